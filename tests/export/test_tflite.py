import numpy as np
import pytest
import tensorflow as tf
from ai_edge_litert.interpreter import Interpreter

from tests.export.tflite_checks import assert_builtin_ops_with_constant_kernels
from tunablecnn import build_model, load_pipeline
from tunablecnn.export import convert_to_tflite, float_serving_function, uint8_serving_function
from tunablecnn.inference import TFLiteRunner
from tunablecnn.models.tunable import modulation_weights

LEVELS = {"start": {"additional_noise": 15}, "end": {"additional_noise": 50}}


def _tuned_model(method, rng, **options):
    pipeline = load_pipeline({
        "model": {"type": "unet", "levels": 2, "filters": 4, "no_layers": 1, "depth": 2},
        "tunable": {"type": method, "placement": "all", **options, **LEVELS},
    })
    model = build_model(pipeline)
    for v in modulation_weights(model):  # stand-in for a tune stage: alpha must matter
        v.assign(v.numpy() + 0.1 * rng.normal(size=v.shape).astype("float32"))
    return model


@pytest.mark.parametrize("method, options", [("adafm", {}), ("ftn", {}), ("dni", {}), ("dni", {"rank": 2}),
                                             ("cfsnet", {}), ("dynamic", {})])
def test_tunable_tflite_matches_keras_with_alpha_as_input(method, options, rng):
    model = _tuned_model(method, rng, **options)
    flatbuffer = convert_to_tflite(float_serving_function(model, freeze=True))
    assert_builtin_ops_with_constant_kernels(flatbuffer)  # FTN(W) - W and W_B - W_A are folded into constants
    runner = TFLiteRunner(flatbuffer)
    assert runner.has_signature and sorted(runner.inputs) == ["alpha", "image"]
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
    runner = TFLiteRunner(convert_to_tflite(float_serving_function(model, freeze=True)))
    for shape in ((1, 16, 16, 1), (3, 21, 40, 1)):
        image = rng.random(shape).astype("float32")
        np.testing.assert_allclose(runner(image=image), np.asarray(model(image)), rtol=1e-4, atol=1e-5)


def test_signature_runner_takes_named_inputs_of_any_size(rng):
    model = _tuned_model("ftn", rng)
    interpreter = Interpreter(model_content=convert_to_tflite(uint8_serving_function(model, freeze=True)))
    assert interpreter.get_signature_list() == {"serving_default": {"inputs": ["alpha", "image"],
                                                                    "outputs": ["denoised"]}}
    denoise = interpreter.get_signature_runner("serving_default")
    for shape in ((1, 20, 31, 1), (3, 16, 16, 1)):
        image = rng.integers(0, 256, shape, dtype=np.uint8)
        alpha = np.full((shape[0], 1), 0.5, np.float32)
        expected = uint8_serving_function(model)(image=tf.constant(image), alpha=tf.constant(alpha))["denoised"]
        out = denoise(image=image, alpha=alpha)["denoised"]
        assert out.dtype == np.uint8 and out.shape == shape
        assert np.abs(out.astype(int) - expected.numpy()).max() <= 1


def test_function_reading_variables_is_refused(rng):
    model = _tuned_model("dni", rng)
    with pytest.raises(ValueError, match=r"Expected a serving function with frozen weights \(build it with freeze="):
        convert_to_tflite(float_serving_function(model))


def test_bad_quantization():
    with pytest.raises(ValueError, match="Expected quantize in"):
        convert_to_tflite(None, quantize="int4")
    with pytest.raises(ValueError, match="give representative_data"):
        convert_to_tflite(None, quantize="int8")


@pytest.mark.parametrize("method", ["adafm", *(pytest.param(m, marks=pytest.mark.slow) for m in ("ftn", "dni", "cfsnet",
                                                                                                   "dynamic"))])
def test_alpha_map_signature_matches_keras_within_one_gray_level(method, rng):
    model = _tuned_model(method, rng)
    flatbuffer = convert_to_tflite(uint8_serving_function(model, freeze=True),
                                   alpha_map_function=uint8_serving_function(model, freeze=True, alpha_map=True))
    assert_builtin_ops_with_constant_kernels(flatbuffer)
    runner = TFLiteRunner(flatbuffer)
    assert sorted(runner.signatures) == ["alpha_map", "serving_default"]
    image = rng.integers(0, 256, (2, 37, 53, 1), dtype=np.uint8)
    ramp = np.broadcast_to(np.linspace(0, 1, 53, dtype="float32")[None, None, :, None], (2, 37, 53, 1))
    alpha_map = np.where(rng.random((2, 37, 53, 1)) < 0.1, 1.0 - ramp, ramp).astype("float32")  # with speckles
    keras_map = uint8_serving_function(model, alpha_map=True)
    expected = keras_map(image=image, alpha=alpha_map)["denoised"].numpy().astype(int)
    assert np.abs(runner(image=image, alpha=alpha_map, signature="alpha_map").astype(int) - expected).max() <= 1
    scalar = runner(image=image, alpha=np.full((2, 1), 0.4, "float32"))
    constant = runner(image=image, alpha=np.full((2, 37, 53, 1), 0.4, "float32"), signature="alpha_map")
    assert np.abs(scalar.astype(int) - constant).max() <= 1
    with pytest.raises(ValueError, match="has no 'other' signature"):
        runner(image=image, alpha=alpha_map, signature="other")
