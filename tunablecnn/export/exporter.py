"""`export_model`: the one path from trained weights to the folder `tunablecnn.load_model` reads."""

import datetime
import json
import logging
import os

import numpy as np

from tunablecnn.calibration import calibration_levels, measure_calibration
from tunablecnn.export.saved_model import load_signatures, write_saved_model
from tunablecnn.export.serving import float_serving_function, image_channels, uint8_serving_function
from tunablecnn.export.tflite import TFLiteRunner, convert_to_tflite
from tunablecnn.export.verify import VERIFY_ALPHAS, check, compare, test_image
from tunablecnn.models import build_model
from tunablecnn.models.tunable import is_tunable

logger = logging.getLogger(__name__)

FORMAT_VERSION = 1
METADATA_FILE = "metadata.json"
FILES = {"pipeline": "pipeline.json", "weights": "model.weights.h5", "saved_model": "saved_model",
         "tflite": "model.tflite", "tflite_float": "model_float.tflite"}


def export_model(pipeline, weights_path, output_directory, *, to_tflite=True, quantize="none",
                 calibration_images=None, metrics=None):
    """Export trained weights as SavedModel (+ TFLite), verify it, calibrate alpha; return the metadata.

    `calibration_images` is a float array [N, H, W, C] of clean images in [0, 1] used to map
    noise levels to alpha (tunable models only; None skips calibration).
    """
    model = build_model(pipeline)
    model.load_weights(weights_path)
    os.makedirs(output_directory, exist_ok=True)
    path = lambda key: os.path.join(output_directory, FILES[key])  # noqa: E731
    with open(path("pipeline"), "w") as handle:
        json.dump(pipeline, handle, indent=2)
    model.save_weights(path("weights"))
    write_saved_model(model, path("saved_model"))
    logger.info("wrote %s", path("saved_model"))
    if to_tflite:
        _write_tflite(model, path, quantize)
    verification = _verify(model, path, to_tflite, quantize)
    metadata = _metadata(model, pipeline, output_directory, to_tflite, quantize, verification, metrics)
    if is_tunable(model) and calibration_images is not None:
        metadata["tunable"]["calibration"] = _calibrate(model, pipeline, calibration_images)
    write_metadata(output_directory, metadata)
    return metadata


def write_metadata(directory, metadata):
    with open(os.path.join(directory, METADATA_FILE), "w") as handle:
        json.dump(metadata, handle, indent=2)


def _write_tflite(model, path, quantize):
    # Converted from the serving functions, not from the SavedModel: TFLiteConverter.from_saved_model
    # on this SavedModel produced a model saturating at 255 (TF 2.21); verification would catch it.
    for key, function in (("tflite", uint8_serving_function(model)), ("tflite_float", float_serving_function(model, clip=True))):
        with open(path(key), "wb") as handle:
            handle.write(convert_to_tflite(function, quantize=quantize))
        logger.info("wrote %s (%s)", path(key), "float32" if quantize == "none" else quantize)


def _verify(model, path, to_tflite, quantize):
    """Largest gray-level difference of each export against Keras; raises if a float32 export is off by > 1."""
    alphas = VERIFY_ALPHAS if is_tunable(model) else (None,)
    keras_fn = uint8_serving_function(model)
    signatures, _keep_alive = load_signatures(path("saved_model"))
    candidates = {"saved_model": _signature_caller(signatures["serving_default"])}
    if to_tflite:
        candidates["tflite"] = _tflite_caller(TFLiteRunner(path("tflite")))
    differences = compare(_signature_caller(keras_fn), candidates, test_image(image_channels(model)), alphas)
    for name, per_alpha in differences.items():
        logger.info("verification %s vs Keras, max |difference| in gray levels per alpha: %s", name, per_alpha)
    tolerance = 1 if quantize == "none" else None
    if tolerance is not None:
        check(differences, tolerance)
    return {"max_abs_difference_gray_levels": differences, "tolerance": tolerance}


def _signature_caller(function):
    def call(image, alpha):
        kwargs = {"image": image} if alpha is None else {"image": image, "alpha": np.full((len(image), 1), alpha, "float32")}
        return function(**kwargs)["denoised"].numpy()

    return call


def _tflite_caller(runner):
    def call(image, alpha):
        return runner(image=image) if alpha is None else runner(image=image, alpha=np.full((len(image), 1), alpha, "float32"))

    return call


def _calibrate(model, pipeline, clean_images):
    tunable = pipeline["tunable"]
    levels = calibration_levels(tunable["start"]["additional_noise"], tunable["end"]["additional_noise"])
    serve = float_serving_function(model, clip=True)

    def denoise(noisy, alpha):
        return serve(image=noisy, alpha=np.full((len(noisy), 1), alpha, "float32"))["denoised"].numpy()

    return measure_calibration(denoise, clean_images, levels)


def _metadata(model, pipeline, directory, to_tflite, quantize, verification, metrics):
    from tunablecnn import __version__
    from tunablecnn.summary import model_cost

    channels = image_channels(model)
    tunable = pipeline.get("tunable")  # optional section: absent for blind models
    inputs = {"image": {"dtype": "uint8", "shape": ["N", "H", "W", channels], "range": [0, 255]}}
    if tunable:
        inputs["alpha"] = {"dtype": "float32", "shape": ["N", 1], "range": [0.0, 1.0]}
    files = {k: v for k, v in FILES.items() if to_tflite or not k.startswith("tflite")}
    return {
        "format_version": FORMAT_VERSION,
        "name": os.path.basename(os.path.normpath(directory)),
        "tunablecnn_version": __version__,
        "created": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "model": {"type": pipeline["model"]["type"], "levels": pipeline["model"]["levels"], "channels": channels,
                  **model_cost(pipeline)},
        "tunable": None if not tunable else {
            "type": tunable["type"], "start": tunable["start"], "end": tunable["end"], "calibration": []},
        "signature": {"name": "serving_default", "inputs": inputs,
                      "outputs": {"denoised": {"dtype": "uint8", "shape": ["N", "H", "W", channels]}}},
        "files": files,
        "quantize": quantize,
        "verification": verification,
        "metrics": metrics or {},
    }


def resolve_weights(path):
    """Weights file for `--checkpoint-directory`: a model directory, its `checkpoints/`, or one checkpoint."""
    from tunablecnn.train.checkpoints import CheckpointStore

    for candidate in (path, os.path.join(path, "checkpoints")):
        if os.path.isfile(os.path.join(candidate, FILES["weights"])):
            return os.path.join(candidate, FILES["weights"])
        if os.path.isdir(candidate):
            latest = CheckpointStore.latest_in(candidate)
            if latest:
                return os.path.join(latest, FILES["weights"])
    raise FileNotFoundError(f"{path}: no checkpoint found (expected a model directory, its checkpoints/ or a ckpt-* folder)")


def calibration_crops(directories, channels, count=8, size=128):
    """Up to `count` clean center crops (float [N, s, s, C] in [0, 1]) from image folders.

    s is `size`, or the smallest side among the chosen images if one is smaller.
    """
    from tunablecnn.data import list_images, read_image

    images = [image for image in (read_image(p, channels) for p in list_images(directories)) if image is not None]
    images = images[:count]
    if not images:
        raise ValueError(f"no readable image in {directories} for calibration")
    side = min(size, *(min(image.shape[:2]) for image in images))
    crops = []
    for image in images:
        top, left = (image.shape[0] - side) // 2, (image.shape[1] - side) // 2
        crops.append(image[top : top + side, left : left + side])
    return np.stack(crops).astype(np.float32)
