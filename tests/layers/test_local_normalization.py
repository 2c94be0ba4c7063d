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


def _near_flat(rng, shape=(2, 32, 32, 1)):
    """A mid-gray image with faint noise: its local variance is far below any fixed epsilon."""
    return (0.5 + 0.002 * rng.normal(size=shape)).astype("float32")


@pytest.mark.parametrize("c", [1e-3, 0.1, 10.0, 1e3])
def test_scale_equivariant_on_a_near_flat_image(c, rng):
    x = _near_flat(rng)
    layer = LocalNormalization(7)
    z, mean, std = (np.asarray(t) for t in layer(x))
    z_c, mean_c, std_c = (np.asarray(t) for t in layer(c * x))
    np.testing.assert_allclose(z_c, z, rtol=1e-3, atol=1e-3 * np.abs(z).max())
    np.testing.assert_allclose(std_c, c * std, rtol=1e-3)
    np.testing.assert_allclose(mean_c, c * mean, rtol=1e-5)


def test_flat_and_black_images_give_finite_zero_features():
    for value in (0.0, 0.5):
        z, mean, std = (np.asarray(t) for t in LocalNormalization(5)(np.full((1, 8, 8, 3), value, "float32")))
        np.testing.assert_array_equal(z, 0.0)
        np.testing.assert_allclose(z * std + mean, value)


def test_bad_arguments():
    with pytest.raises(ValueError, match="Expected an odd window >= 3. Received: window=4"):
        LocalNormalization(4)
    with pytest.raises(ValueError, match="Expected epsilon >= 0. Received: epsilon=-1"):
        LocalNormalization(5, epsilon=-1)
