"""The interface every modulated layer implements: per-stage weights, start of tuning, cost."""

import numpy as np
import pytest

from tunablecnn.layers import AdaFM, CFSNetCoupling, DNIConv2D, DynamicTuningBlock, FTNConv2D, ModulatedLayer

# method -> (layer, weights the base stage trains, weights the tune stage trains)
METHODS = {
    "adafm": (lambda: AdaFM(3, use_bias=True), [], ["residual_filter", "bias"]),
    "ftn": (lambda: FTNConv2D(6, 3, groups=2), ["kernel"], ["ftn_in", "ftn_slope", "ftn_out"]),
    "dni": (lambda: DNIConv2D(6, 3), ["kernel"], ["kernel_b"]),
    "cfsnet": (lambda: CFSNetCoupling(3), [], ["branch_kernel", "branch_projection", "coupling"]),
    "dynamic": (lambda: DynamicTuningBlock(3, depth=2), [], ["tuning_kernel0", "tuning_kernel1"]),
}


def _built(make, rng):
    layer = make()
    x, alpha = rng.normal(size=(2, 9, 7, 4)).astype("float32"), rng.random((2, 1)).astype("float32")
    if isinstance(layer, CFSNetCoupling):  # it also takes the main convolution's output, 4 -> 6 channels
        layer(x, rng.normal(size=(2, 9, 7, 6)).astype("float32"), alpha)
    else:
        layer(x, alpha)
    return layer


def _names(weights):
    return [v.name for v in weights]


@pytest.mark.parametrize("method", METHODS)
def test_each_stage_trains_its_own_weights(method, rng):
    make, base, tune = METHODS[method]
    layer = _built(make, rng)
    assert _names(layer.modulation_weights) == tune
    for stage in ("tune", "base", "tune", "base"):  # each stage undoes the previous one
        layer.set_stage(stage)
        assert _names(layer.trainable_weights) == (tune if stage == "tune" else base)
        assert layer.trainable == bool(tune if stage == "tune" else base)  # training nothing freezes the layer


@pytest.mark.parametrize("method", ["adafm", "ftn", "cfsnet", "dynamic"])
def test_start_tuning_changes_nothing_by_default(method, rng):
    layer = _built(METHODS[method][0], rng)
    for v in layer.weights:
        v.assign(rng.normal(size=v.shape).astype("float32"))
    before = [v.numpy().copy() for v in layer.weights]
    layer.start_tuning()
    for old, new in zip(before, layer.weights):
        np.testing.assert_array_equal(old, new.numpy())


def test_dni_start_tuning_copies_a_into_b(rng):
    layer = _built(METHODS["dni"][0], rng)
    layer.kernel_b.assign(rng.normal(size=layer.kernel.shape).astype("float32"))
    layer.start_tuning()
    np.testing.assert_array_equal(layer.kernel_b.numpy(), layer.kernel.numpy())


@pytest.mark.parametrize(("method", "flops"), [
    ("adafm", 2 * 4 * (3 * 3 + 1)),  # a 3x3 depthwise branch on 4 channels, then the alpha blend
    ("ftn", 2 * (2 * 3 * 3 * 4 * 6) + 2 * 6),  # two static 3x3 convolutions 4 -> 6, then the blend
    ("dni", 2 * (2 * 3 * 3 * 4 * 6) + 2 * 6),
    ("cfsnet", 2 * 3 * 3 * 4 * 6 + 2 * 6 * 6 + 3 * 6),  # the branch (3x3 4 -> 6, 1x1 6 -> 6), then the coupling
    ("dynamic", 2 * (2 * 3 * 3 * 4 * 4) + 2 * 4),  # two 3x3 convolutions 4 -> 4, then the alpha blend
])
def test_flops_per_output_pixel_count_the_exported_form(method, flops, rng):
    assert _built(METHODS[method][0], rng).flops_per_output_pixel() == flops


def test_a_layer_must_declare_its_modulation_weights_and_cost():
    layer = ModulatedLayer(name="bare")
    with pytest.raises(NotImplementedError, match="ModulatedLayer must define modulation_weights"):
        layer.modulation_weights
    with pytest.raises(NotImplementedError, match="ModulatedLayer must define flops_per_output_pixel"):
        layer.flops_per_output_pixel()
