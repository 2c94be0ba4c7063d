import numpy as np
import pytest
import tensorflow as tf

from tests.helpers import check_layer
from tunablecnn.layers import FTNConv2D


def _inputs(rng, batch=2, channels=8):
    return {
        "inputs": rng.normal(size=(batch, 9, 7, channels)).astype("float32"),
        "alpha": rng.random((batch, 1)).astype("float32"),
    }


@pytest.mark.parametrize(("groups", "channels", "effective"), [(1, 8, 1), (4, 8, 4), (16, 8, 8), (16, 1, 1)])
def test_layer_contract_and_group_cap(groups, channels, effective, rng):
    layer = FTNConv2D(6, 3, groups=groups)
    check_layer(layer, _inputs(rng, channels=channels), expected_shapes=(2, 9, 7, 6))
    assert layer.ftn_in.shape == (effective, channels // effective, channels // effective)


def test_strided_output_shape(rng):
    layer = FTNConv2D(4, 2, strides=2)
    assert tuple(layer(**_inputs(rng)).shape) == (2, 5, 4, 4)


def test_new_layer_ignores_alpha_because_ftn_is_identity(rng):
    layer = FTNConv2D(6, 3, groups=4)
    data = _inputs(rng)
    layer(**data)
    np.testing.assert_allclose(np.asarray(layer.transformed_kernel()), np.asarray(layer.kernel), atol=1e-7)
    zero = np.asarray(layer(data["inputs"], np.zeros_like(data["alpha"])))
    np.testing.assert_allclose(np.asarray(layer(**data)), zero, atol=1e-6)


def _perturbed(rng):
    layer = FTNConv2D(6, 3, groups=4)
    data = _inputs(rng)
    layer(**data)
    for v in (layer.ftn_in, layer.ftn_slope, layer.ftn_out):
        v.assign(v.numpy() + 0.2 * rng.normal(size=v.shape).astype("float32"))
    return layer, data


def test_output_equals_conv_with_interpolated_kernel(rng):
    layer, data = _perturbed(rng)
    x = data["inputs"][:1]
    for a in (0.0, 0.5, 1.0):
        w = (1 - a) * layer.kernel.numpy() + a * np.asarray(layer.transformed_kernel())
        reference = tf.nn.conv2d(x, w, 1, "SAME").numpy()
        np.testing.assert_allclose(np.asarray(layer(x, np.full((1, 1), a, "float32"))), reference, rtol=1e-4, atol=1e-5)


def test_alpha_zero_is_the_base_convolution_exactly(rng):
    layer, data = _perturbed(rng)
    base = tf.nn.conv2d(data["inputs"], layer.kernel.numpy(), 1, "SAME").numpy()
    out = np.asarray(layer(data["inputs"], np.zeros((2, 1), "float32")))
    np.testing.assert_allclose(out, base, rtol=1e-5, atol=1e-6)


def test_each_sample_gets_its_own_alpha(rng):
    layer, data = _perturbed(rng)
    batched = np.asarray(layer(**data))
    for i in range(2):
        alone = np.asarray(layer(data["inputs"][i : i + 1], data["alpha"][i : i + 1]))
        np.testing.assert_allclose(batched[i : i + 1], alone, rtol=1e-5, atol=1e-5)


def test_bad_arguments():
    with pytest.raises(ValueError, match="Expected groups >= 1. Received: groups=0"):
        FTNConv2D(4, 3, groups=0)
    with pytest.raises(ValueError, match="Expected positive filters, kernel_size and strides"):
        FTNConv2D(0, 3)
