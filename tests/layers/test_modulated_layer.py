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


# method -> a layer with strides 2 (the layers without strides keep their resolution)
STRIDED = {
    "ftn": lambda: FTNConv2D(6, 3, strides=2, groups=2),
    "dni": lambda: DNIConv2D(6, 3, strides=2),
    "cfsnet": lambda: CFSNetCoupling(3, strides=2),
}


def _randomized(layer, x, alpha, rng):
    """`layer` built on `x`, every weight random (a new layer ignores alpha); returns `call(alpha)`."""
    main = rng.normal(size=(*x.shape[:1], -(-x.shape[1] // _strides(layer)), -(-x.shape[2] // _strides(layer)),
                            6)).astype("float32")
    call = (lambda a: np.asarray(layer(x, main, a))) if isinstance(layer, CFSNetCoupling) else (
        lambda a: np.asarray(layer(x, a)))
    call(alpha)
    for v in layer.weights:
        v.assign(rng.normal(0, 0.3, size=v.shape).astype("float32"))
    return call


def _strides(layer):
    return getattr(layer, "strides", 1)


def _map_cases():
    return [(method, make) for method, (make, _, _) in METHODS.items()] + [(f"{m}-strided", make)
                                                                          for m, make in STRIDED.items()]


@pytest.mark.parametrize(("method", "make"), _map_cases())
def test_each_pixel_gets_the_output_of_its_own_alpha(method, make, rng):
    x = rng.normal(size=(2, 8, 6, 4)).astype("float32")
    call = _randomized(make(), x, np.zeros((2, 1), "float32"), rng)
    # A map constant over 2x2 blocks, so a strided layer's pooled map holds the same values.
    blocks = rng.choice(np.array([0.0, 0.3, 1.0], "float32"), size=(2, 4, 3, 1))
    alpha_map = np.repeat(np.repeat(blocks, 2, axis=1), 2, axis=2)
    got = call(alpha_map)
    local = alpha_map[:, :: _strides(make()), :: _strides(make())]
    for value in (0.0, 0.3, 1.0):
        scalar = call(np.full((2, 1), value, "float32"))
        np.testing.assert_allclose(got, np.where(local == value, scalar, got), rtol=1e-5, atol=1e-5)
    constant = call(np.full((2, 8, 6, 1), 0.3, "float32"))
    np.testing.assert_allclose(constant, call(np.full((2, 1), 0.3, "float32")), rtol=1e-5, atol=1e-5)


def test_alpha_of_another_shape_is_refused(rng):
    layer = AdaFM(3)
    with pytest.raises(ValueError, match=r"Expected alpha \[batch, 1\] or a map \[batch, height, width, 1\]"):
        layer(rng.normal(size=(1, 4, 4, 2)).astype("float32"), np.zeros((1, 4, 4, 2), "float32"))
