import numpy as np
import pytest
import tensorflow as tf

from tests.helpers import check_layer
from tunablecnn.layers import DynamicTuningBlock


def _inputs(rng, batch=2):
    return {
        "inputs": rng.normal(size=(batch, 9, 7, 4)).astype("float32"),
        "alpha": rng.random((batch, 1)).astype("float32"),
    }


@pytest.mark.parametrize(("kernel_size", "depth"), [(1, 1), (3, 2), (5, 3)])
def test_layer_contract(kernel_size, depth, rng):
    layer = DynamicTuningBlock(kernel_size, depth=depth)
    check_layer(layer, _inputs(rng), expected_shapes=(2, 9, 7, 4))
    assert [tuple(v.shape) for v in layer.weights] == [(kernel_size, kernel_size, 4, 4)] * depth
    np.testing.assert_array_equal(layer.tuning_kernels[-1].numpy(), 0.0)  # the last convolution starts at zero


@pytest.mark.parametrize("depth", [1, 3])
def test_new_block_is_identity_for_every_alpha(depth, rng):
    data = _inputs(rng)
    np.testing.assert_array_equal(np.asarray(DynamicTuningBlock(3, depth=depth)(**data)), data["inputs"])


def _perturbed(rng, depth=2):
    layer = DynamicTuningBlock(3, depth=depth)
    data = _inputs(rng)
    layer(**data)
    for v in layer.weights:
        v.assign(0.3 * rng.normal(size=v.shape).astype("float32"))
    return layer, data


@pytest.mark.parametrize("depth", [1, 2])
def test_output_adds_alpha_times_the_tuning_block(depth, rng):
    layer, data = _perturbed(rng, depth)
    y = data["inputs"]
    branch = y
    for i, kernel in enumerate(layer.tuning_kernels):
        branch = tf.nn.conv2d(np.maximum(branch, 0) if i else branch, kernel.numpy(), 1, "SAME").numpy()
    at = lambda a: np.asarray(layer(y, np.full((2, 1), a, "float32")))  # noqa: E731
    np.testing.assert_array_equal(at(0.0), y)  # alpha = 0: the input exactly
    for a in (0.3, 1.0):
        np.testing.assert_allclose(at(a), y + a * branch, rtol=1e-4, atol=1e-4 * np.abs(branch).max())
    np.testing.assert_allclose(at(0.25), 0.75 * at(0.0) + 0.25 * at(1.0), rtol=1e-4, atol=1e-4)


def test_each_sample_gets_its_own_alpha(rng):
    layer, data = _perturbed(rng)
    batched = np.asarray(layer(**data))
    for i in range(2):
        alone = np.asarray(layer(data["inputs"][i : i + 1], data["alpha"][i : i + 1]))
        np.testing.assert_allclose(batched[i : i + 1], alone, rtol=1e-5, atol=1e-5)


def test_scale_equivariant_at_every_alpha(rng):
    layer, data = _perturbed(rng, depth=3)
    for a in (0.0, 0.5, 1.0):
        alpha = np.full((2, 1), a, "float32")
        y = np.asarray(layer(data["inputs"], alpha))
        np.testing.assert_allclose(np.asarray(layer(3.0 * data["inputs"], alpha)), 3.0 * y, rtol=1e-4,
                                   atol=1e-4 * np.abs(y).max())


def test_bad_arguments():
    with pytest.raises(ValueError, match="Expected kernel_size 1, 3 or 5. Received: kernel_size=2"):
        DynamicTuningBlock(2)
    with pytest.raises(ValueError, match="Expected depth 1, 2 or 3. Received: depth=4"):
        DynamicTuningBlock(3, depth=4)
