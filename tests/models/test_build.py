import copy

import keras
import numpy as np
import pytest

from tests.helpers import randomize_weights, shipped_config_params
from tunablecnn import build_model, load_pipeline
from tunablecnn.config import config_path
from tunablecnn.models import is_scale_equivariant
from tunablecnn.models.tunable import is_tunable


def _pipeline(name):
    return load_pipeline(config_path(name))


def _image(pipeline, rng, batch=1):
    channels = pipeline["model"]["input_shape"][2]
    return rng.random((batch, 37, 53, channels)).astype("float32")


def _run(model, x, training=False, alpha=0.5):
    """Call a blind model on x, or a tunable one on x at `alpha`."""
    inputs = {"image": x, "alpha": np.full((len(x), 1), alpha, "float32")} if is_tunable(model) else x
    return np.asarray(model(inputs, training=training))


@pytest.mark.parametrize("name", shipped_config_params())
def test_shipped_config_builds_and_denoises_odd_sizes(name, rng):
    pipeline = _pipeline(name)
    model = build_model(pipeline)
    expected_inputs = ["alpha", "image"] if "tunable" in pipeline else ["image"]
    assert sorted(t.name for t in model.inputs) == expected_inputs and model.output_names == ["denoised"]
    x = _image(pipeline, rng)
    y = _run(model, x)
    assert y.shape == x.shape and np.isfinite(y).all()


def _near_flat_and_random(pipeline, rng, size=32):
    """Two samples: mid-gray with faint noise (hides nothing behind a fixed epsilon) and uniform noise."""
    shape = (1, size, size, pipeline["model"]["input_shape"][2])
    return np.concatenate([0.5 + 0.002 * rng.normal(size=shape), rng.random(shape)]).astype("float32")


@pytest.mark.parametrize("name", shipped_config_params())
def test_shipped_config_is_scale_equivariant(name, rng):
    """f(c x) = c f(x), measured on the correction f(x) - x per sample (the image itself would hide errors)."""
    pipeline = _pipeline(name)
    assert is_scale_equivariant(pipeline), "shipped configs must stay homogeneous"
    model = build_model(pipeline)
    randomize_weights(model, rng)
    x = _near_flat_and_random(pipeline, rng)
    for alpha in (0.0, 1.0) if "tunable" in pipeline else (0.0,):
        correction = _run(model, x, alpha=alpha) - x
        for c in (0.1, 0.5, 2.0, 7.0, 10.0):
            error = np.abs(_run(model, c * x, alpha=alpha) - c * x - c * correction).max(axis=(1, 2, 3))
            relative = error / (c * np.abs(correction).max(axis=(1, 2, 3)))
            assert relative.max() < 1e-4, f"alpha={alpha}, c={c}: relative errors {relative}"


@pytest.mark.parametrize("override", [{"activation": "tanh"}, {"final_activation": "sigmoid"}, {"clip_values": True}])
def test_non_homogeneous_options_are_flagged_and_break_equivariance(override, rng):
    pipeline = load_pipeline({"model": {"filters": 8, "no_layers": 2, **override}})
    assert not is_scale_equivariant(pipeline)
    model = build_model(pipeline)
    randomize_weights(model, rng)
    x = rng.random((1, 16, 16, 1)).astype("float32")
    assert not np.allclose(np.asarray(model(7.0 * x)), 7.0 * np.asarray(model(x)), rtol=1e-3)


@pytest.mark.parametrize("name", shipped_config_params())
def test_keras_save_and_load_round_trip(name, rng, tmp_path):
    pipeline = _pipeline(name)
    model = build_model(pipeline)
    randomize_weights(model, rng)
    x = _image(pipeline, rng)
    path = tmp_path / "model.keras"
    model.save(path)
    restored = keras.saving.load_model(path)  # no custom_objects: every layer is registered
    np.testing.assert_array_equal(_run(restored, x), _run(model, x))


@pytest.mark.parametrize("name", shipped_config_params())
def test_no_weight_is_a_bias(name):
    names = [w.path for w in build_model(_pipeline(name)).weights]
    assert not [n for n in names if "bias" in n or "beta" in n]


# Every model key changes the model: a different value gives different outputs or weights.
KEY_CHANGES = {
    "type": "gatenet", "levels": 2, "filters": 6, "no_layers": 3, "kernel_size": 5, "batchnorm": False,
    "activation": "leaky_relu", "final_activation": "tanh", "clip_values": True, "local_normalization": 5,
    "output_multiplier": 0.5, "residual": False, "kernel_initializer": "he_uniform",
}


@pytest.mark.parametrize("key", sorted(KEY_CHANGES))
def test_every_model_key_has_an_effect(key, rng):
    base = {"filters": 4, "no_layers": 2}
    x = rng.random((1, 16, 16, 1)).astype("float32") * 3.0  # beyond [0, 1] so clipping shows
    outputs = []
    for model_config in (base, {**base, key: KEY_CHANGES[key]}):
        keras.utils.set_random_seed(7)
        model = build_model(load_pipeline({"model": model_config}))
        outputs.append((model.count_params(), np.asarray(model(x, training=False))))
    (params_a, y_a), (params_b, y_b) = outputs
    assert params_a != params_b or not np.allclose(y_a, y_b)


def test_kernel_regularizer_adds_losses():
    plain = build_model(load_pipeline({"model": {"filters": 4, "no_layers": 1}}))
    assert plain.losses == []
    for kind in ("l1", "l2", "l1_l2"):
        model = build_model(load_pipeline({"model": {"filters": 4, "no_layers": 1, "kernel_regularizer": kind}}))
        assert len(model.losses) == 4 and float(sum(model.losses)) > 0  # stem, block conv, block 1x1, head


def test_fixed_input_shape_is_honoured():
    model = build_model(load_pipeline({"model": {"input_shape": [32, 48, 3]}, "dataset": {"color_mode": "rgb"}}))
    assert tuple(model.inputs[0].shape) == (None, 32, 48, 3)


def test_build_model_does_not_modify_the_pipeline():
    pipeline = load_pipeline({"model": {"type": "unet", "levels": 2}})
    before = copy.deepcopy(pipeline)
    build_model(pipeline)
    assert pipeline == before
