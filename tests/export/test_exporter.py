import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys

import numpy as np
import pytest
import tensorflow as tf
from ai_edge_litert.interpreter import Interpreter

from tests.export.tflite_checks import assert_builtin_ops_with_constant_kernels
from tunablecnn import build_model, load_model, load_pipeline
from tunablecnn.export import VerificationError, export_model
from tunablecnn.inference import TFLiteRunner
from tunablecnn.model_folder import FILES

SIGNATURE = {"inputs": ["alpha", "image"], "outputs": ["denoised"]}


def test_folder_has_every_file_and_metadata(exported_tunable):
    metadata = json.loads((exported_tunable / "metadata.json").read_text())
    assert metadata["files"] == {key: FILES[key] for key in ("pipeline", "weights", "saved_model", "tflite", "tflite_float")}
    for name in metadata["files"].values():
        assert os.path.exists(exported_tunable / name), name
    assert metadata["quantize"] == [] and not list(exported_tunable.glob("model_*int8*"))
    assert metadata["format_version"] == 1
    assert metadata["tunable"]["type"] == "adafm" and metadata["tunable"]["start"] == {"additional_noise": 15}
    assert [row["level"] for row in metadata["tunable"]["calibration"]] == [2.5, 5, 7.5, 10, 12.5, 15, 20, 25, 30, 35, 40, 45, 50]
    assert all(row["alpha"] <= 0 for row in metadata["tunable"]["calibration"][:5])  # below the start: extrapolated
    assert metadata["signature"]["inputs"]["alpha"] == {"dtype": "float32", "shape": ["N", 1], "range": [-1.5, 1.0]}
    diffs = metadata["verification"]["max_abs_difference_gray_levels"]
    assert sorted(diffs) == ["saved_model", "tflite"]
    assert sorted(diffs["tflite"]) == ["0", "0.25", "0.5", "0.75", "1", "ramp"]  # ramp: an alpha map
    assert max(d for per in diffs.values() for d in per.values()) <= 1
    assert metadata["alpha_map_signature"]["name"] == "alpha_map"
    assert metadata["alpha_map_signature"]["inputs"]["alpha"]["shape"] == ["N", "H", "W", 1]


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


def test_saved_model_alpha_map_signatures_take_a_map_of_the_image_size(exported_tunable):
    loaded = tf.saved_model.load(str(exported_tunable / "saved_model"))
    image = np.random.default_rng(0).integers(0, 256, (2, 20, 31, 1), dtype=np.uint8)
    for name, fed in (("alpha_map", image), ("denoise_float_map", image.astype(np.float32) / 255)):
        serve = loaded.signatures[name]
        assert serve.structured_input_signature[1]["alpha"].shape.as_list() == [None, None, None, 1]
        constant = serve(image=tf.constant(fed), alpha=tf.fill([2, 20, 31, 1], 0.5))["denoised"].numpy()
        scalar = loaded.signatures["serving_default" if name == "alpha_map" else "denoise_float"](
            image=tf.constant(fed), alpha=tf.fill([2, 1], 0.5))["denoised"].numpy()
        np.testing.assert_allclose(constant.astype(np.float32), scalar.astype(np.float32), atol=1 if fed is image else 1e-5)


@pytest.mark.parametrize(("key", "gray"), [("tflite", np.uint8(128)), ("tflite_float", np.float32(0.5))])
def test_tflite_files_have_the_serving_signature_and_builtin_ops_only(exported_tunable, key, gray):
    path = str(exported_tunable / FILES[key])
    interpreter = Interpreter(model_path=path)
    assert interpreter.get_signature_list() == {"serving_default": SIGNATURE, "alpha_map": SIGNATURE}
    denoise = interpreter.get_signature_runner("serving_default")
    for shape in ((1, 9, 13, 1), (2, 16, 8, 1)):
        out = denoise(image=np.full(shape, gray), alpha=np.zeros((shape[0], 1), np.float32))["denoised"]
        assert out.dtype == gray.dtype and out.shape == shape
    assert_builtin_ops_with_constant_kernels(path)


@pytest.fixture(scope="module")
def exported_quantized(exported_tunable, tmp_path_factory):
    """The tiny tunable model exported again with float16 and int8 TFLite files beside the float32 ones."""
    pipeline = load_pipeline(str(exported_tunable / "pipeline.json"))
    folder = tmp_path_factory.mktemp("quantized") / "model"
    export_model(pipeline, str(exported_tunable / "model.weights.h5"), str(folder), quantize=["float16", "int8"])
    return folder


# The quantized export (float16 + int8, calibrated over both signatures) takes 45 s: its three tests
# run with -m slow; by default test_representative covers the calibration data and the refusal below.
@pytest.mark.slow
def test_quantized_files_are_written_checked_and_recorded(exported_quantized):
    metadata = json.loads((exported_quantized / "metadata.json").read_text())
    assert metadata["quantize"] == ["float16", "int8"]
    for key in ("tflite", "tflite_float", "tflite_float16", "tflite_float_float16", "tflite_int8", "tflite_float_int8"):
        assert os.path.exists(exported_quantized / metadata["files"][key]), key
    verification = metadata["verification"]
    assert sorted(verification["max_abs_difference_gray_levels"]) == ["saved_model", "tflite", "tflite_float16",
                                                                      "tflite_int8"]
    assert verification["tolerance"] == {"saved_model": 1, "tflite": 1, "tflite_float16": 2, "tflite_int8": 24}


@pytest.mark.slow
def test_int8_file_quantizes_activations_and_keeps_uint8_and_float_inputs(exported_quantized):
    for name, image_dtype in (("model_int8.tflite", np.uint8), ("model_float_int8.tflite", np.float32)):
        interpreter = Interpreter(model_path=str(exported_quantized / name))
        assert set(interpreter.get_signature_list()) == {"serving_default", "alpha_map"}
        inputs = {d["name"]: d["dtype"] for d in interpreter.get_signature_runner("serving_default").get_input_details().values()}
        assert sorted(inputs.values(), key=str) == sorted([image_dtype, np.float32], key=str)
        assert any(d["dtype"] == np.int8 for d in interpreter.get_tensor_details())  # activations are int8


@pytest.mark.slow
def test_load_model_runs_the_precision_asked_for(exported_quantized, rng):
    image = rng.integers(0, 256, (24, 24, 1), dtype=np.uint8)
    outputs = {p: load_model(str(exported_quantized), backend="tflite", precision=p)(image, alpha=0.5).astype(int)
               for p in ("float32", "float16", "int8")}
    assert np.abs(outputs["float16"] - outputs["float32"]).max() <= 2
    assert 0 < np.abs(outputs["int8"] - outputs["float32"]).max() <= 24  # another file: not bit-identical
    assert "tflite int8" in repr(load_model(str(exported_quantized), backend="tflite", precision="int8"))


def test_missing_or_misplaced_precision_is_refused(exported_tunable):
    with pytest.raises(ValueError, match=r"has no int8 TFLite files; .* --to-tflite --quantize int8"):
        load_model(str(exported_tunable), backend="tflite", precision="int8")
    with pytest.raises(ValueError, match="for backend='tflite' only"):
        load_model(str(exported_tunable), precision="float16")
    with pytest.raises(ValueError, match="one of"):
        load_model(str(exported_tunable), backend="tflite", precision="int4")
    with pytest.raises(ValueError, match="needs to_tflite=True"):
        export_model({}, "w.h5", "out", to_tflite=False, quantize="int8")


def test_blind_export_has_no_alpha(exported_blind_color):
    metadata = json.loads((exported_blind_color / "metadata.json").read_text())
    assert metadata["tunable"] is None and "alpha" not in metadata["signature"]["inputs"]
    assert metadata["alpha_map_signature"] is None
    for key in ("tflite", "tflite_float"):
        signatures = Interpreter(model_path=str(exported_blind_color / FILES[key])).get_signature_list()
        assert signatures == {"serving_default": {"inputs": ["image"], "outputs": ["denoised"]}}
    assert TFLiteRunner(str(exported_blind_color / "model.tflite")).inputs.keys() == {"image"}


def test_verification_failure_stops_the_export(exported_tunable, tmp_path, monkeypatch):
    from tunablecnn.export import exporter

    pipeline = load_pipeline(str(exported_tunable / "pipeline.json"))
    original = exporter.write_saved_model
    # Simulate a broken export: the written files hold an untrained model's weights.
    monkeypatch.setattr(exporter, "write_saved_model", lambda model, path: original(build_model(pipeline), path))
    with pytest.raises(VerificationError, match=r"saved_model output differs from Keras by \d+ gray levels"):
        export_model(pipeline, str(exported_tunable / "model.weights.h5"), str(tmp_path / "out"), to_tflite=False)
    assert os.listdir(tmp_path) == []  # no folder that load_model would trust, no temporary folder left


def _fingerprint(folder):
    """`{relative path: sha1}` of every file under `folder`: equal fingerprints, equal exports."""
    found = {}
    for root, _, names in os.walk(folder):
        for name in names:
            with open(os.path.join(root, name), "rb") as handle:
                found[os.path.relpath(os.path.join(root, name), folder)] = hashlib.sha1(handle.read()).hexdigest()
    return found


@pytest.fixture
def earlier_export(exported_tunable, tmp_path):
    """A copy of the tunable export, with a README beside it, to export into again."""
    folder = tmp_path / "adafm"
    shutil.copytree(exported_tunable, folder)
    (folder / "README.md").write_text("notes\n")
    return folder


@pytest.fixture(scope="module")
def new_weights(exported_tunable, tmp_path_factory):
    """Weights that differ from the exported ones, as after more training."""
    model = build_model(load_pipeline(str(exported_tunable / "pipeline.json")))
    model.load_weights(str(exported_tunable / "model.weights.h5"))
    for variable in model.trainable_variables:
        variable.assign(variable.numpy() * 1.01)
    path = str(tmp_path_factory.mktemp("new") / "model.weights.h5")
    model.save_weights(path)
    return path


def _reexport(source, folder, weights):
    """Export `weights` into `folder` again (SavedModel only, no calibration: quick)."""
    pipeline = load_pipeline(str(source / "pipeline.json"))
    return export_model(pipeline, weights, str(folder), to_tflite=False)


def test_reexport_removes_stale_files_and_keeps_other_files(exported_tunable, earlier_export, new_weights):
    metadata = _reexport(exported_tunable, earlier_export, new_weights)
    assert sorted(os.listdir(earlier_export)) == sorted(["README.md", "metadata.json", *metadata["files"].values()])
    assert "tflite" not in metadata["files"] and (earlier_export / "README.md").read_text() == "notes\n"
    assert metadata["name"] == "adafm" and metadata["tunable"]["calibration"] == []
    assert os.listdir(earlier_export.parent) == ["adafm"]  # no temporary folder left


def test_export_refuses_a_folder_that_holds_no_export(exported_tunable, tmp_path):
    (tmp_path / "photos").mkdir()
    (tmp_path / "photos" / "holiday.jpg").write_bytes(b"keep me")
    pipeline = load_pipeline(str(exported_tunable / "pipeline.json"))
    with pytest.raises(ValueError, match="photos exists and is not an exported model folder"):
        export_model(pipeline, str(exported_tunable / "model.weights.h5"), str(tmp_path / "photos"))
    assert os.listdir(tmp_path / "photos") == ["holiday.jpg"]


def _disk_gone(*args):
    raise OSError("disk gone")


def _fail_on_second_rename(original):
    calls = []

    def rename(source, target):
        calls.append(source)
        if len(calls) == 2:  # the new export into place, after the earlier one was renamed away
            raise OSError("disk gone")
        return original(source, target)

    return rename


@pytest.mark.parametrize("point", ["write_saved_model", "write_metadata", "swap"])
def test_failed_reexport_leaves_the_earlier_export_whole(exported_tunable, earlier_export, new_weights, monkeypatch,
                                                        point):
    from tunablecnn.export import exporter

    before = _fingerprint(earlier_export)
    if point == "swap":
        monkeypatch.setattr(exporter.os, "rename", _fail_on_second_rename(os.rename))
    else:
        monkeypatch.setattr(exporter, point, _disk_gone)
    with pytest.raises(OSError, match="disk gone"):
        _reexport(exported_tunable, earlier_export, new_weights)
    assert _fingerprint(earlier_export) == before
    assert os.listdir(earlier_export.parent) == ["adafm"]


_KILL_AT = """
import os, signal, sys
from tunablecnn import load_pipeline
from tunablecnn.export import exporter

source, weights, folder, point = sys.argv[1:]
def then_die(function, when=lambda *args: True):
    def call(*args):
        function(*args)
        if when(*args):
            os.kill(os.getpid(), signal.SIGKILL)
    return call
if point == "saved_model":
    exporter.write_saved_model = then_die(exporter.write_saved_model)
else:  # between the two renames of the swap: right after the earlier export was renamed away
    os.rename = then_die(os.rename, when=lambda source, target: source == folder)
exporter.export_model(load_pipeline(os.path.join(source, "pipeline.json")), weights, folder, to_tflite=False)
"""


@pytest.mark.parametrize("point", [pytest.param("saved_model", marks=pytest.mark.slow), "swap"])
def test_killed_reexport_is_never_a_mixture_and_the_next_export_cleans_up(exported_tunable, earlier_export, new_weights,
                                                                          point):
    before = _fingerprint(earlier_export)
    command = [sys.executable, "-c", _KILL_AT, str(exported_tunable), new_weights, str(earlier_export), point]
    killed = subprocess.run(command, capture_output=True)
    assert killed.returncode == -signal.SIGKILL, killed.stderr.decode()[-2000:]
    leftovers = sorted(os.listdir(earlier_export.parent))
    if point == "saved_model":
        assert _fingerprint(earlier_export) == before  # the earlier export, untouched
    else:  # killed between the renames: the earlier export waits whole beside the complete new one
        assert [name.split("-")[0] for name in leftovers] == [".adafm.old", ".adafm.partial"]
        assert _fingerprint(earlier_export.parent / leftovers[0]) == before
        assert (earlier_export.parent / leftovers[1] / "metadata.json").is_file()
    metadata = _reexport(exported_tunable, earlier_export, new_weights)
    assert os.listdir(earlier_export.parent) == ["adafm"]  # the next export removed the leftovers
    assert load_model(str(earlier_export)).metadata["created"] == metadata["created"]
    assert (earlier_export / "README.md").read_text() == "notes\n"


def test_calibration_crops_skip_undecodable_files_and_crop_to_the_smallest_side(tmp_path):
    import cv2

    from tunablecnn.export.exporter import calibration_crops

    cv2.imwrite(str(tmp_path / "a.png"), np.full((40, 60), 100, np.uint8))
    cv2.imwrite(str(tmp_path / "b.png"), np.full((80, 90), 200, np.uint8))
    (tmp_path / "c.png").write_bytes(b"not an image")
    crops = calibration_crops([str(tmp_path)], channels=1, count=8, size=64)
    assert crops.shape == (2, 40, 40, 1)
    assert sorted(np.round(crops.reshape(2, -1).mean(axis=1) * 255).tolist()) == [100, 200]


def test_calibration_uses_the_images_training_held_out(tmp_path, caplog):
    import cv2

    from tests.data.helpers import dataset_config
    from tunablecnn.data import dataset_files
    from tunablecnn.export.exporter import calibration_crops, calibration_files

    for index in range(20):
        cv2.imwrite(str(tmp_path / f"{index:02d}.png"), np.full((24, 24), 10 * index, np.uint8))
    config = dataset_config([str(tmp_path)], validation_fraction=0.1)
    held_out = calibration_files(config)
    assert sorted(held_out) == sorted(dataset_files(config).validation) and len(held_out) == 2
    assert not set(held_out) & set(dataset_files(config).train)
    assert calibration_crops(held_out, channels=1).shape == (2, 24, 24, 1)
    with caplog.at_level("WARNING"):
        everything = calibration_files(dataset_config([str(tmp_path)], validation_fraction=0))
    assert len(everything) == 20 and "calibration on training images" in caplog.text


def test_reexport_keeps_recorded_metrics_only_for_the_same_weights_and_alpha(exported_tunable, earlier_export,
                                                                            new_weights):
    from tunablecnn.export.exporter import _kept_metrics

    metadata = json.loads((earlier_export / "metadata.json").read_text())
    metadata["tunable"]["calibration"] = []  # as _reexport calibrates nothing
    fixed = {"psnr": 28.8, "alpha": 0.5, "setting": "alpha"}
    calibrated = {"psnr": 27.3, "alpha": 0.7, "setting": "calibrated"}
    metadata["metrics"] = {"BSD68": {"seed": 0, "sigmas": {"25": fixed, "35": calibrated}}}
    (earlier_export / "metadata.json").write_text(json.dumps(metadata))
    same = str(exported_tunable / "model.weights.h5")
    # No calibration gives alpha 0.7 at sigma 35 again: that score goes, the fixed-alpha one stays.
    assert _reexport(exported_tunable, earlier_export, same)["metrics"] == {"BSD68": {"seed": 0, "sigmas": {"25": fixed}}}
    assert _reexport(exported_tunable, earlier_export, new_weights)["metrics"] == {}  # other weights: stale scores go
    (earlier_export / "metadata.json").write_text(json.dumps(metadata))
    table = [{"level": 15.0, "alpha": 0.0, "psnr": 0}, {"level": 35.0, "alpha": 0.7, "psnr": 0}]
    new_calibration = {"tunable": {"calibration": [{"level": 5.0, "alpha": -1.0, "psnr": 0}, *table]}}
    held = str(earlier_export / "model.weights.h5")  # the weights the folder holds now
    assert _kept_metrics(str(earlier_export), held, new_calibration) == metadata["metrics"]  # levels added below


def test_calibration_crops_read_package_folders_as_the_quickstart_gives_them():
    from tunablecnn.export.exporter import calibration_crops

    assert calibration_crops(["pkg://skimage/data"], channels=1, count=2).shape[0] == 2


def test_a_folder_shipped_without_keras_weights_exports_again_from_its_saved_model(exported_tunable, tmp_path, rng):
    shipped = tmp_path / "shipped"
    shutil.copytree(exported_tunable, shipped)
    (shipped / "model.weights.h5").unlink()
    again = tmp_path / "again"
    subprocess.run([sys.executable, "-m", "tunablecnn.export", "--checkpoint-directory", str(shipped),
                    "--output-directory", str(again)], check=True, capture_output=True)
    assert (again / "model.weights.h5").is_file()
    earlier, metadata = (json.loads((folder / "metadata.json").read_text()) for folder in (exported_tunable, again))
    assert metadata["tunable"]["calibration"] == earlier["tunable"]["calibration"] != []
    image = rng.integers(0, 256, size=(1, 24, 20, 1), dtype=np.uint8)
    for alpha in (0.0, 0.6):
        want = load_model(str(exported_tunable))(image, alpha=alpha)
        np.testing.assert_array_equal(load_model(str(again))(image, alpha=alpha), want)
