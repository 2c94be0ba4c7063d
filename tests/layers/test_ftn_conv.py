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


@pytest.mark.parametrize(("groups", "channels"), [(1, 8), (4, 8), (8, 8), (1, 1), (16, 32)])
def test_layer_contract_and_group_shapes(groups, channels, rng):
    layer = FTNConv2D(6, 3, groups=groups)
    check_layer(layer, _inputs(rng, channels=channels), expected_shapes=(2, 9, 7, 6))
    size = channels // groups
    assert layer.ftn_in.shape == (groups, size, size) and layer.ftn_out.shape == (groups, size, size)


@pytest.mark.parametrize(("groups", "channels"), [(16, 8), (16, 24), (4, 1), (4, 6)])
def test_groups_that_do_not_divide_the_input_channels_are_refused(groups, channels, rng):
    with pytest.raises(ValueError, match=f"Received: groups={groups}, input channels={channels}"):
        FTNConv2D(6, 3, groups=groups)(**_inputs(rng, channels=channels))


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


def _block_diagonal(blocks):
    """[groups, size, size] -> the [c_in, c_in] matrix of a grouped 1x1 convolution over input channels."""
    groups, size, _ = blocks.shape
    matrix = np.zeros((groups * size, groups * size), blocks.dtype)
    for g in range(groups):
        matrix[g * size : (g + 1) * size, g * size : (g + 1) * size] = blocks[g]
    return matrix


def _numpy_ftn(kernel, ftn_in, slope, ftn_out):
    """FTN(W) from its definition: grouped 1x1 convolution, PReLU, grouped 1x1 convolution over c_in."""
    hidden = np.einsum("xyic,ij->xyjc", kernel, _block_diagonal(ftn_in))
    hidden = np.where(hidden >= 0, hidden, slope[:, None] * hidden)
    return np.einsum("xyic,ij->xyjc", hidden, _block_diagonal(ftn_out))


def test_output_equals_conv_with_numpy_ftn_kernel(rng):
    layer, data = _perturbed(rng)
    x = data["inputs"][:1]
    transformed = _numpy_ftn(*(v.numpy() for v in (layer.kernel, layer.ftn_in, layer.ftn_slope, layer.ftn_out)))
    assert not np.allclose(transformed, layer.kernel.numpy(), atol=1e-2)  # the perturbed FTN is not the identity
    for a in (0.0, 0.5, 1.0):
        w = (1 - a) * layer.kernel.numpy() + a * transformed
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
