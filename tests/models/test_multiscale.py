"""Gaussian-pyramid multiscale models (any family with levels > 1), built in models/build.py."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from tunablecnn import build_model, load_pipeline


def _zero_heads(model):
    for layer in model.layers:
        if layer.name.endswith("_head"):
            layer.kernel.assign(np.zeros(layer.kernel.shape, "float32"))


@pytest.mark.parametrize("model_type", ["resnet", "unet"])
@pytest.mark.parametrize("channels", [1, 3])
def test_zero_corrections_reconstruct_the_input_exactly(model_type, channels, rng):
    color = {1: "gray", 3: "rgb"}[channels]
    pipeline = load_pipeline({
        "model": {"type": model_type, "levels": 3, "filters": 4, "no_layers": 1, "input_shape": [None, None, channels]},
        "dataset": {"color_mode": color},
    })
    model = build_model(pipeline)
    _zero_heads(model)
    x = rng.random((2, 37, 53, channels)).astype("float32")
    np.testing.assert_allclose(np.asarray(model(x, training=False)), x, atol=1e-6)


def test_one_backbone_per_level():
    model = build_model(load_pipeline({"model": {"levels": 3, "filters": 4, "no_layers": 1}}))
    heads = sorted(layer.name for layer in model.layers if layer.name.endswith("_head"))
    assert heads == ["level0_head", "level1_head", "level2_head"]


def _coarse_gradient(stop_grads, weights, x):
    pipeline = load_pipeline({"model": {"levels": 2, "filters": 4, "no_layers": 1, "stop_grads": stop_grads}})
    model = build_model(pipeline)
    model.set_weights(weights)
    kernel = model.get_layer("level1_stem").kernel
    with tf.GradientTape() as tape:
        loss = tf.reduce_mean(tf.square(model(x, training=False)))
    return tape.gradient(loss, kernel).numpy()


def test_stop_grads_changes_what_trains_the_coarse_level(rng):
    reference = build_model(load_pipeline({"model": {"levels": 2, "filters": 4, "no_layers": 1}}))
    x = rng.random((1, 32, 32, 1)).astype("float32")
    flowing = _coarse_gradient(False, reference.get_weights(), x)
    stopped = _coarse_gradient(True, reference.get_weights(), x)
    assert np.abs(stopped).max() > 0  # the coarse level still learns through its own output
    assert not np.allclose(flowing, stopped)


def test_multiscale_save_and_load(tmp_path, rng):
    model = build_model(load_pipeline({"model": {"type": "gatenet", "levels": 2, "filters": 4, "no_layers": 1}}))
    model.save(tmp_path / "m.keras")
    x = rng.random((1, 21, 13, 1)).astype("float32")
    np.testing.assert_array_equal(np.asarray(keras.saving.load_model(tmp_path / "m.keras")(x)), np.asarray(model(x)))
