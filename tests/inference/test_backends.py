import json

import numpy as np
import pytest
import tensorflow as tf

from tunablecnn import build_model, load_pipeline
from tunablecnn.export import float_serving_function
from tunablecnn.inference import TFLiteRunner
from tunablecnn.inference.backends import open_backend


def _model(folder):
    model = build_model(load_pipeline(str(folder / "pipeline.json")))
    model.load_weights(str(folder / "model.weights.h5"))
    return model


def test_runner_still_runs_files_without_signature(exported_tunable, rng):
    """Files exported before the signature existed (the bundled models until re-exported)."""
    model = _model(exported_tunable)
    serving = float_serving_function(model)
    converter = tf.lite.TFLiteConverter.from_concrete_functions([serving.get_concrete_function()], serving)
    converter.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS]  # the old conversion: no signature
    runner = TFLiteRunner(converter.convert())
    assert not runner.has_signature and sorted(runner.inputs) == ["alpha", "image"]
    image, alpha = rng.random((2, 19, 23, 1)).astype("float32"), np.array([[0.0], [1.0]], "float32")
    expected = np.asarray(model({"image": image, "alpha": alpha}, training=False))
    got = runner(alpha=alpha, image=image)
    np.testing.assert_allclose(got, expected, rtol=1e-4, atol=1e-4 * np.abs(expected).max())


def test_runner_names_missing_and_unexpected_inputs(exported_tunable):
    runner = TFLiteRunner(exported_tunable / "model_float.tflite")
    with pytest.raises(ValueError, match=r"Missing TFLite inputs \['alpha'\]"):
        runner(image=np.zeros((1, 8, 8, 1), "float32"))
    with pytest.raises(ValueError, match=r"Unexpected TFLite inputs \['level'\]; the model takes \['alpha', 'image'\]"):
        runner(image=np.zeros((1, 8, 8, 1), "float32"), alpha=np.zeros((1, 1), "float32"), level=np.zeros(1))


@pytest.mark.parametrize("name", ["saved_model", "tflite"])
def test_both_backends_take_uint8_and_float_batches(exported_tunable, name):
    metadata = json.loads((exported_tunable / "metadata.json").read_text())
    run = open_backend(name, str(exported_tunable), metadata)
    alphas = np.full((2, 1), 0.5, np.float32)
    as_uint8 = run(np.full((2, 9, 11, 1), 128, np.uint8), alphas, uint8=True)
    as_float = run(np.full((2, 9, 11, 1), 128 / 255, np.float64), alphas, uint8=False)
    assert as_uint8.dtype == np.uint8 and as_float.dtype == np.float32
    assert as_uint8.shape == as_float.shape == (2, 9, 11, 1)
    assert np.abs(as_float * 255 - as_uint8).max() <= 0.5 + 1e-3


def test_tflite_backend_needs_the_tflite_files(exported_tunable):
    metadata = json.loads((exported_tunable / "metadata.json").read_text())
    metadata["files"] = {k: v for k, v in metadata["files"].items() if not k.startswith("tflite")}
    with pytest.raises(ValueError, match="has no TFLite files; write them with: python -m tunablecnn.export --checkpoint-directory .* --to-tflite"):
        open_backend("tflite", str(exported_tunable), metadata)


def test_unknown_backend():
    with pytest.raises(ValueError, match=r"Expected backend in \('saved_model', 'tflite'\). Received: backend='onnx'"):
        open_backend("onnx", "unused", {})
