import numpy as np
import pytest
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


def test_low_rank_layer_contract(rng):
    layer = DNIConv2D(6, 3, rank=2)
    check_layer(layer, _inputs(rng), expected_shapes=(2, 9, 7, 6))
    assert layer.kernel_down.shape == (3, 3, 4, 2) and layer.kernel_up.shape == (1, 1, 2, 6)
    assert [v.name for v in layer.modulation_weights] == ["kernel_down", "kernel_up"]


def test_low_rank_difference_starts_at_zero_then_interpolates_exactly(rng):
    layer = DNIConv2D(6, 3, rank=2)
    data = _inputs(rng)
    x = data["inputs"]
    zero = np.asarray(layer(x, np.zeros_like(data["alpha"])))
    np.testing.assert_allclose(np.asarray(layer(**data)), zero, atol=1e-6)  # kernel_up starts at zero
    layer.kernel_up.assign(rng.normal(size=layer.kernel_up.shape).astype("float32"))
    delta = np.einsum("xyir,rc->xyic", layer.kernel_down.numpy(), layer.kernel_up.numpy()[0, 0])
    assert np.linalg.matrix_rank(delta.reshape(-1, 6)) == 2
    for a in (0.0, 0.3, 1.0):
        w = layer.kernel.numpy() + a * delta
        out = np.asarray(layer(x, np.full((2, 1), a, "float32")))
        np.testing.assert_allclose(out, tf.nn.conv2d(x, w, 1, "SAME").numpy(), rtol=1e-4, atol=1e-5)
        np.testing.assert_allclose(np.asarray(layer.kernel_at(a)), w, rtol=1e-5, atol=1e-6)
    layer.start_tuning()
    np.testing.assert_allclose(np.asarray(layer(**data)), zero, atol=1e-6)


def test_low_rank_counts_fewer_flops_and_full_rank_keeps_the_second_kernel(rng):
    full, low, capped = DNIConv2D(6, 3), DNIConv2D(6, 3, rank=2), DNIConv2D(6, 3, rank=6)
    for layer in (full, low, capped):
        layer(**_inputs(rng))
    assert low.flops_per_output_pixel() == 2 * 9 * 4 * (6 + 2) + 2 * 2 * 6 + 2 * 6 < full.flops_per_output_pixel()
    assert hasattr(capped, "kernel_b") and not capped.low_rank  # rank 6 is the full rank of a 4 -> 6 layer


def test_negative_rank_is_refused():
    with pytest.raises(ValueError, match="rank >= 0"):
        DNIConv2D(6, 3, rank=-1)
