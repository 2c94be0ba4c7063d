"""Tunable models: modulation placement, stages, alpha semantics, per-sample alpha, equivariance."""

import keras
import numpy as np
import pytest

from tests.helpers import randomize_weights
from tunablecnn import ConfigError, build_model, load_pipeline
from tunablecnn.layers import ModulatedLayer
from tunablecnn.models.tunable import modulation_weights, set_stage, start_tune_stage

METHODS = ["adafm", "ftn", "dni", "cfsnet", "dynamic"]
LEVELS = {"start": {"additional_noise": 15}, "end": {"additional_noise": 50}}


def _pipeline(method, model_type="resnet", levels=1, placement="blocks"):
    return load_pipeline({
        "model": {"type": model_type, "levels": levels, "filters": 8, "no_layers": 2},
        "tunable": {"type": method, "placement": placement, **LEVELS},
    })


def _inputs(rng, alpha, batch=2, size=24):
    return {"image": rng.random((batch, size, size, 1)).astype("float32"), "alpha": np.full((batch, 1), alpha, "float32")}


def _run(model, data):
    return np.asarray(model(data, training=False))


def _perturb_modulation(model, rng, scale=0.1):
    for v in modulation_weights(model):
        v.assign(v.numpy() + scale * rng.normal(size=v.shape).astype("float32"))


def _modulated_layers(model):
    return [layer for layer in model.layers if isinstance(layer, ModulatedLayer)]


@pytest.mark.parametrize("method", METHODS)
def test_model_takes_image_and_alpha(method):
    model = build_model(_pipeline(method))
    assert sorted(t.name for t in model.inputs) == ["alpha", "image"]
    assert tuple(model.input["alpha"].shape) == (None, 1)


@pytest.mark.parametrize("method", METHODS)
def test_placement_blocks_modulates_block_convolutions_only(method):
    blocks = len(_modulated_layers(build_model(_pipeline(method, placement="blocks"))))
    every = len(_modulated_layers(build_model(_pipeline(method, placement="all"))))
    assert blocks == 2 * 2  # two convolutions in each of two blocks
    assert every == blocks + 2  # plus stem and head


def test_from_level_leaves_the_finer_unet_levels_unmodulated():
    def modulated(from_level):
        pipeline = _pipeline("adafm", model_type="unet", placement="all")
        pipeline["model"]["depth"], pipeline["tunable"]["from_level"] = 2, from_level
        return {layer.name for layer in _modulated_layers(build_model(load_pipeline(pipeline)))}

    every, coarse, bottom = modulated(0), modulated(1), modulated(2)
    full_resolution = {n for n in every if "down0" in n or "up0_block" in n or "stem" in n or "head" in n}
    assert full_resolution and coarse == every - full_resolution
    assert bottom and all("bottom" in n or "down1_stride" in n or "up1_expand" in n for n in bottom)


@pytest.mark.parametrize(("model", "message"), [
    ({"type": "resnet"}, "tunable.from_level: 1 needs a unet with model.depth >= 1 \\(got model.type 'resnet'\\)"),
    ({"type": "unet", "depth": 1, "from_level": 2}, "needs a unet with model.depth >= 2 \\(got model.type 'unet', depth 1\\)"),
])
def test_from_level_needs_a_unet_that_deep(model, message):
    from_level = model.pop("from_level", 1)
    with pytest.raises(ConfigError, match=message):
        load_pipeline({"model": model, "tunable": {"type": "adafm", "from_level": from_level, **LEVELS}})


@pytest.mark.parametrize("method", ["adafm", "ftn", "cfsnet", "dynamic"])
def test_new_model_is_identity_in_alpha(method, rng):
    model = build_model(_pipeline(method, model_type="unet", placement="all"))
    data = _inputs(rng, 0.0)
    np.testing.assert_allclose(_run(model, data), _run(model, {**data, "alpha": np.ones((2, 1), "float32")}), atol=1e-5)


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("model_type", ["resnet", "unet"])
def test_per_sample_alpha_matches_one_by_one(method, model_type, rng):
    model = build_model(_pipeline(method, model_type=model_type, levels=2, placement="all"))
    _perturb_modulation(model, rng)
    data = _inputs(rng, 0.0, batch=3)
    data["alpha"] = np.array([[0.0], [0.4], [1.0]], "float32")
    batched = _run(model, data)
    for i in range(3):
        alone = _run(model, {k: v[i : i + 1] for k, v in data.items()})
        # Untrained U-Nets reach large values; convolution order differs with batch size.
        np.testing.assert_allclose(batched[i : i + 1], alone, rtol=1e-5, atol=1e-5 * np.abs(alone).max())


@pytest.mark.parametrize("method", METHODS)
def test_tunable_bias_free_models_are_scale_equivariant_at_every_alpha(method, rng):
    model = build_model(_pipeline(method, model_type="gatenet", levels=2, placement="all"))
    randomize_weights(model, rng, scale=0.2)
    for alpha in (0.0, 0.3, 1.0):
        data = _inputs(rng, alpha)
        y = _run(model, data)
        for c in (0.5, 7.0):
            scaled = _run(model, {**data, "image": c * data["image"]})
            np.testing.assert_allclose(scaled, c * y, rtol=1e-4, atol=1e-5 * c * np.abs(y).max())


def _fit(model, data, target, steps=3):
    model.compile(optimizer=keras.optimizers.Adam(0.01), loss="mae", run_eagerly=True)  # no tracing: 3 steps
    model.fit(data, target, batch_size=2, epochs=steps, verbose=0)


@pytest.mark.parametrize("method", METHODS)
def test_tune_stage_keeps_alpha_zero_equal_to_the_base_model(method, rng):
    model = build_model(_pipeline(method, model_type="resnet", levels=2, placement="all"))
    noisy, clean = _inputs(rng, 0.0), _inputs(rng, 0.0)["image"]
    set_stage(model, "base")
    _fit(model, noisy, clean)
    probe = _inputs(rng, 0.0)
    base_output = _run(model, probe)
    frozen = [v.numpy().copy() for v in model.weights if all(v is not m for m in modulation_weights(model))]

    start_tune_stage(model)
    tune_data = {**noisy, "alpha": np.ones((2, 1), "float32")}
    _fit(model, tune_data, clean * 0.5)

    np.testing.assert_allclose(_run(model, probe), base_output, atol=1e-6)
    assert not np.allclose(_run(model, {**probe, "alpha": np.ones((2, 1), "float32")}), base_output, atol=1e-4)
    after = [v.numpy() for v in model.weights if all(v is not m for m in modulation_weights(model))]
    for before, now in zip(frozen, after):
        np.testing.assert_array_equal(before, now)  # base weights and BN statistics untouched


@pytest.mark.parametrize("method", METHODS)
def test_base_stage_does_not_train_modulation(method, rng):
    model = build_model(_pipeline(method))
    set_stage(model, "base")
    trainable = {id(v) for v in model.trainable_weights}
    assert not trainable & {id(v) for v in modulation_weights(model)}
    set_stage(model, "tune")
    assert {id(v) for v in model.trainable_weights} == {id(v) for v in modulation_weights(model)}


def test_dni_tune_start_copies_a_into_b(rng):
    model = build_model(_pipeline("dni"))
    _perturb_modulation(model, rng)
    start_tune_stage(model)
    for layer in _modulated_layers(model):
        np.testing.assert_array_equal(layer.kernel_b.numpy(), layer.kernel.numpy())


def test_unknown_stage():
    with pytest.raises(ValueError, match="Expected stage in \\('base', 'tune'\\). Received: stage='both'"):
        set_stage(build_model(_pipeline("adafm")), "both")


@pytest.mark.parametrize("method", METHODS)
def test_tunable_save_and_load(method, rng, tmp_path):
    model = build_model(_pipeline(method, model_type="unet", placement="all"))
    _perturb_modulation(model, rng)
    model.save(tmp_path / "m.keras")
    data = _inputs(rng, 0.7)
    np.testing.assert_array_equal(_run(keras.saving.load_model(tmp_path / "m.keras"), data), _run(model, data))


def test_method_specific_keys_are_checked():
    with pytest.raises(ConfigError, match="tunable.groups: applies only to tunable.type 'ftn', not 'adafm'"):
        load_pipeline({"model": {}, "tunable": {"type": "adafm", "groups": 4, **LEVELS}})
    assert load_pipeline({"model": {}, "tunable": {"type": "ftn", **LEVELS}})["tunable"]["groups"] == 1
    with pytest.raises(ConfigError, match="tunable: 'end' is a required property"):
        load_pipeline({"model": {}, "tunable": {"start": {"additional_noise": 15}}})


@pytest.mark.parametrize(("filters", "placement", "layer", "channels"), [
    (24, "blocks", "backbone_block0_conv", 24),  # 16 groups on 24 channels used to become 8 silently
    (32, "all", "backbone_stem", 1),  # the stem sees the gray image
])
def test_ftn_groups_that_do_not_divide_a_layer_are_refused_naming_it(filters, placement, layer, channels):
    pipeline = load_pipeline({
        "model": {"filters": filters, "no_layers": 1},
        "tunable": {"type": "ftn", "groups": 16, "placement": placement, **LEVELS},
    })
    with pytest.raises(ConfigError, match=f"tunable.groups: 16 does not divide the {channels} input channel\\(s\\) "
                                          f"of layer '{layer}'"):
        build_model(pipeline)


def test_ftn_groups_are_used_as_given():
    model = build_model(load_pipeline({
        "model": {"filters": 32, "no_layers": 1}, "tunable": {"type": "ftn", "groups": 16, **LEVELS},
    }))
    assert {layer.ftn_in.shape for layer in _modulated_layers(model)} == {(16, 2, 2)}
