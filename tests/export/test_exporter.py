import json
import os

import numpy as np
import pytest
import tensorflow as tf

from tunablecnn import build_model, load_pipeline
from tunablecnn.export import FILES, VerificationError, export_model
from tunablecnn.export.exporter import resolve_weights
from tunablecnn.export.tflite import TFLiteRunner


def test_folder_has_every_file_and_metadata(exported_tunable):
    for name in FILES.values():
        assert os.path.exists(exported_tunable / name), name
    metadata = json.loads((exported_tunable / "metadata.json").read_text())
    assert metadata["format_version"] == 1
    assert metadata["tunable"]["type"] == "adafm" and metadata["tunable"]["start"] == {"additional_noise": 15}
    assert [row["level"] for row in metadata["tunable"]["calibration"]] == [15, 20, 25, 30, 35, 40, 45, 50]
    assert metadata["signature"]["inputs"]["alpha"] == {"dtype": "float32", "shape": ["N", 1], "range": [0.0, 1.0]}
    diffs = metadata["verification"]["max_abs_difference_gray_levels"]
    assert sorted(diffs) == ["saved_model", "tflite"] and sorted(diffs["tflite"]) == ["0", "0.25", "0.5", "0.75", "1"]
    assert max(d for per in diffs.values() for d in per.values()) <= 1


def test_saved_model_signature_is_uint8_with_dynamic_sizes_and_alpha(exported_tunable):
    loaded = tf.saved_model.load(str(exported_tunable / "saved_model"))
    serve = loaded.signatures["serving_default"]
    specs = serve.structured_input_signature[1]
    assert specs["image"].dtype == tf.uint8 and specs["image"].shape.as_list() == [None, None, None, 1]
    assert specs["alpha"].dtype == tf.float32 and specs["alpha"].shape.as_list() == [None, 1]
    for shape in ((1, 20, 31, 1), (3, 16, 16, 1)):
        image = tf.constant(np.random.default_rng(0).integers(0, 256, shape, dtype=np.uint8))
        out = serve(image=image, alpha=tf.fill([shape[0], 1], 0.5))["denoised"]
        assert out.dtype == tf.uint8 and tuple(out.shape) == shape


def test_tflite_takes_alpha_and_uses_builtin_ops_only(exported_tunable):
    runner = TFLiteRunner(str(exported_tunable / "model.tflite"))
    assert sorted(runner.inputs) == ["alpha", "image"]
    out = runner(image=np.full((1, 9, 13, 1), 128, np.uint8), alpha=np.zeros((1, 1), np.float32))
    assert out.dtype == np.uint8 and out.shape == (1, 9, 13, 1)


def test_blind_export_has_no_alpha(exported_blind_color):
    metadata = json.loads((exported_blind_color / "metadata.json").read_text())
    assert metadata["tunable"] is None and "alpha" not in metadata["signature"]["inputs"]
    assert TFLiteRunner(str(exported_blind_color / "model.tflite")).inputs.keys() == {"image"}


def test_verification_failure_stops_the_export(exported_tunable, tmp_path, monkeypatch):
    from tunablecnn.export import exporter

    pipeline = load_pipeline(str(exported_tunable / "pipeline.json"))
    original = exporter.write_saved_model
    # Simulate a broken export: the written files hold an untrained model's weights.
    monkeypatch.setattr(exporter, "write_saved_model", lambda model, path: original(build_model(pipeline), path))
    with pytest.raises(VerificationError, match=r"(saved_model|tflite) output differs from Keras by \d+ gray levels"):
        export_model(pipeline, str(exported_tunable / "model.weights.h5"), str(tmp_path / "out"))
    assert not (tmp_path / "out" / "metadata.json").exists()  # no folder that load_model would trust


def test_resolve_weights_accepts_model_dir_checkpoints_dir_and_checkpoint(exported_tunable, tmp_path):
    run = exported_tunable.parent / "run"
    latest = resolve_weights(str(run))
    assert latest.endswith("model.weights.h5") and "ckpt-" in latest
    assert resolve_weights(str(run / "checkpoints")) == latest
    assert resolve_weights(os.path.dirname(latest)) == latest
    with pytest.raises(FileNotFoundError, match="no checkpoint found"):
        resolve_weights(str(tmp_path))
