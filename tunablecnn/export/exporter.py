"""`export_model`: the one path from trained weights to the folder `tunablecnn.load_model` reads."""

import datetime
import functools
import json
import logging
import os
import re
import shutil

import numpy as np

from tunablecnn.data import ImageError, dataset_files, list_images, read_image
from tunablecnn.export.saved_model import load_signatures, write_saved_model
from tunablecnn.export.serving import float_serving_function, image_channels, uint8_serving_function
from tunablecnn.export.representative import representative_data
from tunablecnn.export.tflite import convert_to_tflite
from tunablecnn.export.verify import VERIFY_ALPHAS, VERIFY_MAP, VerificationError, alpha_input, check, compare, test_image
from tunablecnn.inference import TFLiteRunner
from tunablecnn.inference.calibration import ALPHA_RANGE, alpha_for_level, calibration_levels, measure_calibration
from tunablecnn.model_folder import (FILES, FLOAT_MAP_SIGNATURE, FORMAT_VERSION, MAP_METADATA, MAP_SIGNATURE, METADATA_FILE,
                                     OUTPUT, QUANTIZATIONS, SIGNATURE, read_metadata, tflite_keys, write_metadata)
from tunablecnn.models import build_model
from tunablecnn.models.cost import model_cost
from tunablecnn.models.tunable import is_tunable
from tunablecnn.train.checkpoints import load_weights
from tunablecnn.version import __version__

logger = logging.getLogger(__name__)
# Largest allowed |difference| from Keras in gray levels, per file precision (the export self-check).
# float32 must be exact to rounding; quantized files may differ more, but a broken conversion
# (wrong ranges, a dropped op) differs by tens of levels and fails.
TOLERANCES = {"float32": 1, "float16": 2, "dynamic": 24, "int8": 24}


def export_model(pipeline, weights_path, output_directory, *, to_tflite=True, quantize=(),
                 calibration_images=None, calibration=None, metrics=None):
    """Export trained weights as SavedModel (+ TFLite), verify it, calibrate alpha; return the metadata.

    `quantize`: quantized TFLite files to write beside the float32 ones, any of "float16",
    "dynamic", "int8" (a name or a sequence; needs `to_tflite`). int8 measures its activation
    ranges on noisy `calibration_images` over the model's alpha range (`representative.py`).

    `calibration_images` is a float array [N, H, W, C] of clean images in [0, 1] used to map
    noise levels to alpha (tunable models only; None skips calibration). `calibration` instead
    gives the table itself, as an earlier export of the same weights measured it.

    The export is written beside `output_directory` as `.<name>.partial-<pid>` and swapped in
    only after its self-check passed, so the folder always holds one complete export, the
    earlier one or the new one. Files of an earlier export that this one does not write (its
    `.tflite` files, say) go; other files (a README) are kept. A folder that holds no export
    is refused. Metrics recorded in the earlier export (`evaluate --record-metrics`) are kept
    when its weights and calibration are the same as this one's, so re-exporting a model to
    add files does not erase its scores.
    """
    precisions = _precisions(to_tflite, quantize)
    target = os.path.normpath(output_directory)
    _prepare_target(target)
    model = build_model(pipeline)
    load_weights(model, weights_path)
    staging = _sibling(target, "partial", os.getpid())
    try:
        data = functools.partial(representative_data, pipeline, calibration_images)
        metadata = _write_export(model, pipeline, staging, os.path.basename(target), precisions, data, metrics)
        if is_tunable(model) and calibration is not None:
            metadata["tunable"]["calibration"] = calibration
        elif is_tunable(model) and calibration_images is not None:
            metadata["tunable"]["calibration"] = _calibrate(model, pipeline, calibration_images)
        if not metrics:
            metadata["metrics"] = _kept_metrics(target, weights_path, metadata)
        write_metadata(staging, metadata)
        _keep_other_files(target, staging)
        _swap_in(staging, target)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return metadata


def _kept_metrics(target, weights_path, metadata):
    """The earlier export's metrics if it holds the same weights (byte for byte), else {}; of a
    calibrated metric, only one whose alpha the new calibration gives again."""
    try:
        earlier = read_metadata(target)
        with open(os.path.join(target, FILES["weights"]), "rb") as old, open(weights_path, "rb") as new:
            same_weights = old.read() == new.read()
    except (OSError, ValueError):
        return {}
    if not same_weights or not earlier.get("metrics"):
        return {}
    calibration = (metadata.get("tunable") or {}).get("calibration")
    kept = {name: {**record, "sigmas": {sigma: row for sigma, row in record["sigmas"].items()
                                        if _same_alpha(row, calibration, float(sigma))}}
            for name, record in earlier["metrics"].items()}
    kept = {name: record for name, record in kept.items() if record["sigmas"]}
    if kept:
        logger.info("kept the recorded metrics of the earlier export (same weights; calibrated ones at the same alpha)")
    return kept


def _same_alpha(row, calibration, sigma):
    if row.get("setting") != "calibrated":
        return True
    return bool(calibration) and abs(alpha_for_level(calibration, sigma) - row["alpha"]) < 1e-9


def _prepare_target(target):
    """Refuse a `target` holding something other than an export; create its parent; clean up after killed exports."""
    holds_other = os.path.isfile(target) or (os.path.isdir(target) and os.listdir(target))
    if holds_other and not os.path.isfile(os.path.join(target, METADATA_FILE)):
        raise ValueError(f"{target} exists and is not an exported model folder (no {METADATA_FILE}); "
                         "export into a new or empty folder")
    os.makedirs(os.path.dirname(target) or os.curdir, exist_ok=True)
    _clean_leftovers(target)


def _clean_leftovers(target):
    """Remove the temporary folders of killed exports into `target`; if one was killed between
    the two renames of its swap (no `target`), put the earlier export back."""
    parent, name = os.path.split(target)
    for entry in sorted(os.listdir(parent or os.curdir)):  # "old" sorts before "partial": restore first
        match = re.fullmatch(rf"\.{re.escape(name)}\.(partial|old)-(\d+)", entry)
        if not match or _another_process_runs(int(match.group(2))):
            continue
        path = os.path.join(parent, entry)
        if match.group(1) == "old" and not os.path.exists(target):
            os.rename(path, target)
            logger.warning("%s: restored the earlier export (an export was killed while swapping folders)", target)
        else:
            shutil.rmtree(path, ignore_errors=True)


def _write_export(model, pipeline, folder, name, precisions, representative, metrics):
    """Write every file but the metadata into `folder` and verify them; return the metadata."""
    os.makedirs(folder)
    path = lambda key: os.path.join(folder, FILES[key])  # noqa: E731
    with open(path("pipeline"), "w") as handle:
        json.dump(pipeline, handle, indent=2)
    model.save_weights(path("weights"))
    write_saved_model(model, path("saved_model"))
    logger.info("wrote %s", path("saved_model"))
    for precision in precisions:
        _write_tflite(model, path, precision, representative)
    verification = _verify(model, path, precisions)
    return _metadata(model, pipeline, name, precisions, verification, metrics)


def _keep_other_files(target, staging):
    """Copy the files of an earlier export that no export writes (a README, notes) into the new one."""
    if not os.path.isdir(target):
        return
    for entry in sorted(set(os.listdir(target)) - {*FILES.values(), METADATA_FILE}):
        source, copy = os.path.join(target, entry), os.path.join(staging, entry)
        if os.path.isdir(source):
            shutil.copytree(source, copy)
        else:
            shutil.copy2(source, copy)
        logger.info("kept %s from the earlier export", entry)


def _swap_in(staging, target):
    """Replace `target` by `staging`: rename the earlier export away, the new one in, delete the earlier."""
    if not os.path.exists(target):
        os.rename(staging, target)
        return
    earlier = _sibling(target, "old", os.getpid())
    os.rename(target, earlier)
    try:
        os.rename(staging, target)
    except BaseException:
        os.rename(earlier, target)
        raise
    shutil.rmtree(earlier, ignore_errors=True)


def _sibling(target, kind, pid):
    parent, name = os.path.split(target)
    return os.path.join(parent, f".{name}.{kind}-{pid}")


def _another_process_runs(pid):
    if pid == os.getpid() or os.name == "nt":  # on Windows os.kill would terminate the process
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _write_tflite(model, path, precision, representative):
    """The two .tflite files of `precision`: `serving_default`, and for tunable models `alpha_map` beside it."""
    tunable = is_tunable(model)
    builders = {True: lambda **kw: uint8_serving_function(model, freeze=True, **kw),
                False: lambda **kw: float_serving_function(model, clip=True, freeze=True, **kw)}
    for key, uint8 in zip(tflite_keys(precision), (True, False)):
        build = builders[uint8]
        alpha_map = build(alpha_map=True) if tunable else None
        quantize = "none" if precision == "float32" else precision
        data = representative(uint8=uint8) if precision == "int8" else None
        with open(path(key), "wb") as handle:
            handle.write(convert_to_tflite(build(), quantize=quantize, alpha_map_function=alpha_map,
                                           representative_data=data))
        logger.info("wrote %s (%s)", path(key), precision)


def _verify(model, path, precisions):
    """Largest gray-level difference of each export against Keras; raises past `TOLERANCES` (float32: 1)."""
    tunable = is_tunable(model)
    alphas = (*VERIFY_ALPHAS, VERIFY_MAP) if tunable else (None,)
    keras_fn = _signature_caller(uint8_serving_function(model), uint8_serving_function(model, alpha_map=True)
                                 if tunable else None)
    signatures, _keep_alive = load_signatures(path("saved_model"))
    candidates = {"saved_model": _signature_caller(signatures[SIGNATURE], signatures.get(MAP_SIGNATURE))}
    tolerances = {"saved_model": TOLERANCES["float32"]}
    wanted = (SIGNATURE, MAP_SIGNATURE) if tunable else (SIGNATURE,)
    for precision in precisions:
        runners = {key: TFLiteRunner(path(key)) for key in tflite_keys(precision)}
        unsigned = [f"{FILES[key]} has no {name} signature" for key, runner in runners.items()
                    for name in wanted if name not in runner.signatures]
        if unsigned:
            raise VerificationError("; ".join(unsigned))
        name = tflite_keys(precision)[0]  # the uint8 file: "tflite", "tflite_int8", ...
        candidates[name] = _tflite_caller(runners[name])
        tolerances[name] = TOLERANCES[precision]
    differences = compare(keras_fn, candidates, test_image(image_channels(model)), alphas)
    for name, per_alpha in differences.items():
        logger.info("verification %s vs Keras, max |difference| in gray levels per alpha: %s", name, per_alpha)
    for name, tolerance in tolerances.items():
        check({name: differences[name]}, tolerance)
    return {"max_abs_difference_gray_levels": differences, "tolerance": tolerances}


def _precisions(to_tflite, quantize):
    """The TFLite precisions to write: float32 (the verified reference) and each of `quantize`."""
    extra = () if quantize in (None, "none") else (quantize,) if isinstance(quantize, str) else tuple(quantize)
    unknown = [q for q in extra if q not in QUANTIZATIONS]
    if unknown:
        raise ValueError(f"Expected quantize in {QUANTIZATIONS}. Received: {unknown}")
    if extra and not to_tflite:
        raise ValueError(f"quantize={list(extra)} writes quantized TFLite files: it needs to_tflite=True")
    return ("float32", *dict.fromkeys(extra)) if to_tflite else ()


def _signature_caller(function, map_function=None):
    def call(image, alpha):
        if alpha is None:
            return function(image=image)[OUTPUT].numpy()
        values = alpha_input(image, alpha)
        chosen = function if values.ndim == 2 else map_function
        if chosen is None:
            raise VerificationError(f"no {MAP_SIGNATURE} signature to verify")
        return chosen(image=image, alpha=values)[OUTPUT].numpy()

    return call


def _tflite_caller(runner):
    def call(image, alpha):
        if alpha is None:
            return runner(image=image)
        values = alpha_input(image, alpha)
        return runner(image=image, alpha=values, signature=SIGNATURE if values.ndim == 2 else MAP_SIGNATURE)

    return call


def _calibrate(model, pipeline, clean_images):
    tunable = pipeline["tunable"]
    start, end = tunable["start"]["additional_noise"], tunable["end"]["additional_noise"]
    levels = calibration_levels(start, end)
    serve = float_serving_function(model, clip=True)

    def denoise(noisy, alpha):
        return serve(image=noisy, alpha=np.full((len(noisy), 1), alpha, "float32"))[OUTPUT].numpy()

    return measure_calibration(denoise, clean_images, levels, extrapolate_below=start if start < end else None)


def _metadata(model, pipeline, name, precisions, verification, metrics):
    channels = image_channels(model)
    tunable = pipeline.get("tunable")  # optional section: absent for blind models
    inputs = {"image": {"dtype": "uint8", "shape": ["N", "H", "W", channels], "range": [0, 255]}}
    if tunable:
        inputs["alpha"] = {"dtype": "float32", "shape": ["N", 1], "range": list(ALPHA_RANGE)}
    outputs = {OUTPUT: {"dtype": "uint8", "shape": ["N", "H", "W", channels]}}
    written = {key for precision in precisions for key in tflite_keys(precision)}
    files = {k: v for k, v in FILES.items() if k in written or not k.startswith("tflite")}
    return {
        "format_version": FORMAT_VERSION,
        "name": name,
        "tunablecnn_version": __version__,
        "created": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "model": {"type": pipeline["model"]["type"], "levels": pipeline["model"]["levels"], "channels": channels,
                  **model_cost(pipeline)},
        "tunable": None if not tunable else {
            "type": tunable["type"], "start": tunable["start"], "end": tunable["end"], "calibration": []},
        "signature": {"name": SIGNATURE, "inputs": inputs, "outputs": outputs},
        MAP_METADATA: None if not tunable else {
            "name": MAP_SIGNATURE, "float_name": FLOAT_MAP_SIGNATURE, "outputs": outputs,
            "inputs": {**inputs, "alpha": {"dtype": "float32", "shape": ["N", "H", "W", 1], "range": list(ALPHA_RANGE)}}},
        "files": files,
        "quantize": list(precisions[1:]),
        "verification": verification,
        "metrics": metrics or {},
    }


def calibration_files(dataset_config):
    """Clean images for the level calibration of a model trained on `dataset_config`.

    The validation images its training held out (`dataset.validation_directory` or
    `dataset.validation_fraction`), so alpha is chosen on images the model never trained on;
    the training images, with a warning, when none were held out.
    """
    files = dataset_files(dataset_config)
    if set(files.validation) & set(files.train):  # validation_fraction 0: validation is the training set
        logger.warning("calibration on training images: the dataset holds none out (%s)", files.validation_label)
    else:
        logger.info("calibration on %s", files.validation_label)
    return list(files.validation)


def calibration_crops(paths, channels, count=None, size=180):
    """Clean center crops (float [N, s, s, C] in [0, 1]) of up to `count` images (all if None).

    `paths` are image files and/or folders (searched recursively). s is `size`, or the
    smallest side among the chosen images if one is smaller.
    """
    images = []
    for path in _image_paths(paths):
        try:
            images.append(read_image(path, channels).pixels)
        except ImageError as error:
            logger.warning("calibration: skipped %s", error)
        if len(images) == count:
            break
    if not images:
        raise ValueError(f"no readable image in {paths} for calibration")
    side = min(size, *(min(image.shape[:2]) for image in images))
    crops = []
    for image in images:
        top, left = (image.shape[0] - side) // 2, (image.shape[1] - side) // 2
        crops.append(image[top : top + side, left : left + side])
    return np.stack(crops).astype(np.float32)


def _image_paths(paths):
    """Files as given; everything else is a folder for `list_images` (which also resolves `pkg://`)."""
    folders = [path for path in paths if not os.path.isfile(path)]
    return [path for path in paths if os.path.isfile(path)] + (list_images(folders) if folders else [])
