import numpy as np
import tensorflow as tf

from tests.helpers import check_layer
from tunablecnn.layers import DNIConv2D


def _inputs(rng, batch=2):
    return {
        "inputs": rng.normal(size=(batch, 9, 7, 4)).astype("float32"),
        "alpha": rng.random((batch, 1)).astype("float32"),
    }


def test_layer_contract(rng):
    layer = DNIConv2D(6, 3)
    check_layer(layer, _inputs(rng), expected_shapes=(2, 9, 7, 6))
    assert layer.kernel_b.shape == layer.kernel.shape


def test_b_starts_as_a_copy_so_alpha_has_no_effect(rng):
    layer = DNIConv2D(6, 3)
    data = _inputs(rng)
    layer(**data)
    np.testing.assert_array_equal(layer.kernel_b.numpy(), layer.kernel.numpy())
    zero = np.asarray(layer(data["inputs"], np.zeros_like(data["alpha"])))
    np.testing.assert_allclose(np.asarray(layer(**data)), zero, atol=1e-6)


def test_output_interpolates_the_two_kernels_and_start_tuning_resets(rng):
    layer = DNIConv2D(6, 3)
    data = _inputs(rng)
    layer(**data)
    layer.kernel_b.assign(rng.normal(size=layer.kernel.shape).astype("float32"))
    x = data["inputs"]
    for a in (0.0, 0.3, 1.0):
        w = (1 - a) * layer.kernel.numpy() + a * layer.kernel_b.numpy()
        out = np.asarray(layer(x, np.full((2, 1), a, "float32")))
        np.testing.assert_allclose(out, tf.nn.conv2d(x, w, 1, "SAME").numpy(), rtol=1e-4, atol=1e-5)
    layer.start_tuning()
    np.testing.assert_array_equal(layer.kernel_b.numpy(), layer.kernel.numpy())


def test_each_sample_gets_its_own_alpha(rng):
    layer = DNIConv2D(6, 3)
    data = _inputs(rng)
    layer(**data)
    layer.kernel_b.assign(rng.normal(size=layer.kernel.shape).astype("float32"))
    batched = np.asarray(layer(**data))
    for i in range(2):
        alone = np.asarray(layer(data["inputs"][i : i + 1], data["alpha"][i : i + 1]))
        np.testing.assert_allclose(batched[i : i + 1], alone, rtol=1e-5, atol=1e-5)
