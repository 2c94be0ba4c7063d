"""Shared checks for custom layers, modelled on Keras' `run_layer_test`."""

import json

import keras
import numpy as np
import pytest

from tunablecnn.config import shipped_configs

# Zoo recipes whose network an example config already builds (same model, same method); the
# default run builds the examples, `-m slow` every shipped config.
_ZOO_DUPLICATES = ("zoo_adafm_unet24", "zoo_adafm_unet20d4_full", "zoo_cfsnet", "zoo_dni", "zoo_dynamic", "zoo_ftn", "zoo_dedicated", "zoo_blind")


def shipped_config_params():
    """Every shipped config name, as pytest params: the zoo duplicates marked slow."""
    return [pytest.param(name, marks=pytest.mark.slow) if name.startswith(_ZOO_DUPLICATES) else name
            for name in shipped_configs()]


def check_layer(layer, inputs, *, expected_shapes, fit=True):
    """Round trip, symbolic and eager shapes, and one training step of `layer`.

    `inputs` is one array or a dict of call-argument name -> array; `expected_shapes`
    is the eager output shape (or list of shapes for list-returning layers).
    """
    arrays = inputs if isinstance(inputs, dict) else {"inputs": inputs}
    _check_config_round_trip(layer)
    outputs = layer(**arrays)
    _check_shapes(outputs, expected_shapes)
    _check_symbolic(layer, arrays)
    if fit:
        _check_fit_step(layer, arrays)
    return outputs


def _check_config_round_trip(layer):
    config = layer.get_config()
    assert type(layer).from_config(config).get_config() == config
    # Deserializing from plain JSON needs no custom_objects: the class is registered.
    serialized = json.loads(json.dumps(keras.saving.serialize_keras_object(layer)))
    restored = keras.saving.deserialize_keras_object(serialized)
    assert type(restored) is type(layer) and restored.get_config() == config


def _check_shapes(outputs, expected):
    outputs = outputs if isinstance(outputs, (list, tuple)) else [outputs]
    expected = expected if isinstance(expected, list) else [expected]
    assert [tuple(o.shape) for o in outputs] == [tuple(e) for e in expected]


def _check_symbolic(layer, arrays):
    clone = type(layer).from_config(layer.get_config())
    symbolic = {name: keras.Input(shape=(None, None, a.shape[-1])) for name, a in arrays.items()}
    outputs = clone(**symbolic)
    outputs = outputs if isinstance(outputs, (list, tuple)) else [outputs]
    for output in outputs:
        assert output.shape[1:3] == (None, None) and output.shape[-1] is not None


def _check_fit_step(layer, arrays):
    clone = type(layer).from_config(layer.get_config())
    symbolic = {name: keras.Input(shape=a.shape[1:], name=name) for name, a in arrays.items()}
    outputs = clone(**symbolic)
    output = outputs[0] if isinstance(outputs, (list, tuple)) else outputs
    model = keras.Model(symbolic, output)
    model.compile(optimizer="sgd", loss="mse")
    target = np.zeros(output.shape, "float32") if None not in output.shape else np.zeros_like(
        np.asarray(model(arrays)))
    history = model.fit(arrays, target, epochs=1, verbose=0)
    assert np.isfinite(history.history["loss"][0])


def randomize_weights(model, rng, scale=0.3):
    """Random weights everywhere (positive moving variances): new residual blocks start as the
    identity, which would hide most of a network from a property test. Weights with a fan-in
    above 11 get a standard deviation shrunk by sqrt(11 / fan-in) (a gain of about 1 per layer),
    so the activations of deep, wide networks (the 24-filter U-Net's 192-channel bottom) stay
    near the input's scale instead of reaching 1e10, where float32 round-off breaks the
    property tests rather than the network. FTN's 1x1 maps are the identity plus noise: pure
    noise in three stacked maps shrinks FTN(W) to 1e-4 of W, and a correction that small is
    float32 round-off of the image."""
    for weight in model.weights:
        fan_in = int(np.prod(weight.shape[:-1])) if len(weight.shape) >= 2 else 1
        values = rng.normal(0.0, scale * min(1.0, (11 / fan_in) ** 0.5), weight.shape)
        if weight.path.endswith(("ftn_in", "ftn_out")):
            values = values + np.eye(weight.shape[-1])[None]
        weight.assign((np.abs(values) + 0.5 if "moving_variance" in weight.path else values).astype("float32"))
