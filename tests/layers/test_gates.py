import numpy as np
import pytest

from tests.helpers import check_layer
from tunablecnn.layers import ChannelGate, PixelGate


@pytest.mark.parametrize("layer_cls", [ChannelGate, PixelGate])
def test_layer_contract(layer_cls, rng):
    check_layer(layer_cls(), rng.normal(size=(2, 9, 7, 8)).astype("float32"), expected_shapes=(2, 9, 7, 8))


@pytest.mark.parametrize("layer_cls", [ChannelGate, PixelGate])
def test_gate_does_not_change_with_scale(layer_cls, rng):
    layer = layer_cls()
    x = rng.normal(size=(2, 16, 16, 8)).astype("float32")
    y = np.asarray(layer(x))
    for c in (1e-5, 0.5, 2.0, 7.0, 1e4):  # faint features too: no absolute epsilon in the RMS
        np.testing.assert_allclose(np.asarray(layer(c * x)), c * y, rtol=1e-5, atol=1e-6 * c)


@pytest.mark.parametrize("layer_cls", [ChannelGate, PixelGate])
def test_zero_features_stay_zero(layer_cls):
    np.testing.assert_array_equal(np.asarray(layer_cls()(np.zeros((1, 4, 4, 8), "float32"))), 0.0)


def test_gates_lie_between_zero_and_one(rng):
    x = np.abs(rng.normal(size=(1, 8, 8, 8))).astype("float32") + 0.1
    for layer in (ChannelGate(2), PixelGate()):
        ratio = np.asarray(layer(x)) / x
        assert ratio.min() >= 0.0 and ratio.max() <= 1.0


def test_bad_arguments():
    with pytest.raises(ValueError, match="Expected reduction >= 1. Received: reduction=0"):
        ChannelGate(reduction=0)
