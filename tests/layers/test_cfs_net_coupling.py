import numpy as np
import pytest
import tensorflow as tf

from tests.helpers import check_layer
from tunablecnn.layers import CFSNetCoupling


def _inputs(rng, batch=2, size=(9, 7), strides=1):
    main_size = tuple(-(-s // strides) for s in size)
    return {
        "inputs": rng.normal(size=(batch, *size, 4)).astype("float32"),
        "main": rng.normal(size=(batch, *main_size, 6)).astype("float32"),
        "alpha": rng.random((batch, 1)).astype("float32"),
    }


@pytest.mark.parametrize(("kernel_size", "strides", "expected"), [(3, 1, (2, 9, 7, 6)), (2, 2, (2, 5, 4, 6))])
def test_layer_contract(kernel_size, strides, expected, rng):
    layer = CFSNetCoupling(kernel_size, strides=strides)
    check_layer(layer, _inputs(rng, strides=strides), expected_shapes=expected)
    assert [tuple(v.shape) for v in layer.weights] == [(kernel_size, kernel_size, 4, 6), (1, 1, 6, 6), (6,)]


def test_new_layer_returns_main_for_every_alpha(rng):
    data = _inputs(rng)
    np.testing.assert_array_equal(np.asarray(CFSNetCoupling(3)(**data)), data["main"])


def _perturbed(rng, strides=1):
    layer = CFSNetCoupling(3, strides=strides)
    data = _inputs(rng, strides=strides)
    layer(**data)
    for v in layer.weights:
        v.assign(rng.normal(size=v.shape).astype("float32"))
    return layer, data


@pytest.mark.parametrize("strides", [1, 2])
def test_output_couples_main_and_the_branch_per_channel(strides, rng):
    layer, data = _perturbed(rng, strides)
    x, main = data["inputs"], data["main"]
    hidden = np.maximum(tf.nn.conv2d(x, layer.branch_kernel.numpy(), strides, "SAME").numpy(), 0)
    branch = tf.nn.conv2d(hidden, layer.branch_projection.numpy(), 1, "SAME").numpy()
    coupling = layer.coupling.numpy()
    at = lambda a: np.asarray(layer(x, main, np.full((2, 1), a, "float32")))  # noqa: E731
    np.testing.assert_array_equal(at(0.0), main)  # alpha = 0: the main convolution exactly
    for a in (0.3, 1.0):
        reference = main + a * coupling * (branch - main)
        np.testing.assert_allclose(at(a), reference, rtol=1e-4, atol=1e-4 * np.abs(reference).max())
    np.testing.assert_allclose(at(0.25), 0.75 * at(0.0) + 0.25 * at(1.0), rtol=1e-4, atol=1e-4)


def test_each_sample_gets_its_own_alpha(rng):
    layer, data = _perturbed(rng)
    batched = np.asarray(layer(**data))
    for i in range(2):
        alone = np.asarray(layer(**{k: v[i : i + 1] for k, v in data.items()}))
        np.testing.assert_allclose(batched[i : i + 1], alone, rtol=1e-5, atol=1e-5)


def test_scale_equivariant_at_every_alpha(rng):
    layer, data = _perturbed(rng)
    for a in (0.0, 0.5, 1.0):
        alpha = np.full((2, 1), a, "float32")
        y = np.asarray(layer(data["inputs"], data["main"], alpha))
        scaled = np.asarray(layer(3.0 * data["inputs"], 3.0 * data["main"], alpha))
        np.testing.assert_allclose(scaled, 3.0 * y, rtol=1e-4, atol=1e-4 * np.abs(y).max())


def test_bad_arguments(rng):
    with pytest.raises(ValueError, match="Expected positive kernel_size and strides. Received: kernel_size=0"):
        CFSNetCoupling(0)
    with pytest.raises(ValueError, match="strides=0"):
        CFSNetCoupling(3, strides=0)
    data = _inputs(rng, strides=2)
    with pytest.raises(ValueError, match="Expected main to have the strided size of inputs"):
        CFSNetCoupling(3)(**data)
