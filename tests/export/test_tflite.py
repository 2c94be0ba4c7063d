import numpy as np
import pytest

from tunablecnn import build_model, load_pipeline
from tunablecnn.export import TFLiteRunner, convert_to_tflite, float_serving_function
from tunablecnn.models.tunable import modulation_weights

LEVELS = {"start": {"additional_noise": 15}, "end": {"additional_noise": 50}}


def _tuned_model(method, rng):
    pipeline = load_pipeline({
        "model": {"type": "unet", "levels": 2, "filters": 4, "no_layers": 1, "depth": 2},
        "tunable": {"type": method, "placement": "all", **LEVELS},
    })
    model = build_model(pipeline)
    for v in modulation_weights(model):  # stand-in for a tune stage: alpha must matter
        v.assign(v.numpy() + 0.1 * rng.normal(size=v.shape).astype("float32"))
    return model


@pytest.mark.parametrize("method", ["adafm", "ftn", "dni"])
def test_tunable_tflite_matches_keras_with_alpha_as_input(method, rng):
    model = _tuned_model(method, rng)
    runner = TFLiteRunner(convert_to_tflite(float_serving_function(model)))  # builtin ops only, or it raises
    assert sorted(runner.inputs) == ["alpha", "image"]
    image = rng.random((2, 37, 53, 1)).astype("float32")
    outputs = []
    for alpha in (0.0, 0.5, 1.0):
        alphas = np.full((2, 1), alpha, "float32")
        expected = np.asarray(model({"image": image, "alpha": alphas}, training=False))
        got = runner(image=image, alpha=alphas)
        np.testing.assert_allclose(got, expected, rtol=1e-4, atol=1e-4 * np.abs(expected).max())
        outputs.append(got)
    assert not np.allclose(outputs[0], outputs[2])  # alpha really reaches the converted graph


def test_blind_model_converts_and_takes_any_size(rng):
    model = build_model(load_pipeline({"model": {"levels": 2, "filters": 4, "no_layers": 1}}))
    runner = TFLiteRunner(convert_to_tflite(float_serving_function(model)))
    for shape in ((1, 16, 16, 1), (3, 21, 40, 1)):
        image = rng.random(shape).astype("float32")
        np.testing.assert_allclose(runner(image=image), np.asarray(model(image)), rtol=1e-4, atol=1e-5)


def test_runner_names_missing_inputs(rng):
    runner = TFLiteRunner(convert_to_tflite(float_serving_function(_tuned_model("adafm", rng))))
    with pytest.raises(ValueError, match=r"Missing TFLite inputs \['alpha'\]"):
        runner(image=np.zeros((1, 8, 8, 1), "float32"))


def test_bad_quantization():
    with pytest.raises(ValueError, match="Expected quantize in"):
        convert_to_tflite(None, quantize="int4")
