import numpy as np
import pytest

from tests.helpers import check_layer
from tunablecnn.layers import LocalNormalization


def test_layer_contract(rng):
    x = rng.random((2, 9, 7, 3)).astype("float32")
    check_layer(LocalNormalization(5), x, expected_shapes=[(2, 9, 7, 3)] * 3)


def test_denormalizing_gives_the_input_back(rng):
    x = rng.random((2, 20, 17, 3)).astype("float32")
    z, mean, std = (np.asarray(t) for t in LocalNormalization(5)(x))
    np.testing.assert_allclose(z * std + mean, x, atol=1e-5)


def test_normalized_image_ignores_scale_and_offset(rng):
    x = rng.random((1, 20, 20, 1)).astype("float32")
    layer = LocalNormalization(7)
    z = np.asarray(layer(x)[0])
    np.testing.assert_allclose(np.asarray(layer(3.0 * x + 0.5)[0]), z, rtol=1e-3, atol=1e-3)


def test_bad_arguments():
    with pytest.raises(ValueError, match="Expected an odd window >= 3. Received: window=4"):
        LocalNormalization(4)
