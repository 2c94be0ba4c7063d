import numpy as np
import pytest

from tests.helpers import check_layer
from tunablecnn.layers import Sparsify


def test_layer_contract(rng):
    check_layer(Sparsify(1.0), rng.normal(size=(2, 9, 7, 4)).astype("float32"), expected_shapes=(2, 9, 7, 4))


def test_most_features_are_zeroed_and_outliers_pass(rng):
    x = rng.normal(size=(2, 32, 32, 4)).astype("float32")
    y = np.asarray(Sparsify(1.0)(x))
    assert (y == 0).mean() > 0.6
    big = np.abs(x) > 2.5 * np.sqrt((x**2).mean(axis=(1, 2), keepdims=True))
    np.testing.assert_array_equal(y[big], x[big])


def test_positively_homogeneous_at_any_scale(rng):
    x = rng.normal(size=(2, 16, 16, 4)).astype("float32")
    layer = Sparsify(0.5)
    y = np.asarray(layer(x))
    for c in (1e-5, 0.5, 2.0, 7.0, 1e4):  # faint features too: no absolute epsilon in the deviation
        np.testing.assert_allclose(np.asarray(layer(c * x)), c * y, rtol=1e-5, atol=1e-6 * c)


def test_zero_features_stay_zero():
    np.testing.assert_array_equal(np.asarray(Sparsify(0.5)(np.zeros((1, 4, 4, 2), "float32"))), 0.0)


def test_bad_arguments():
    with pytest.raises(ValueError, match="Expected threshold >= 0. Received: threshold=-1"):
        Sparsify(-1)
