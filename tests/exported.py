"""A tiny trained-and-exported tunable model shared by the export, inference and denoise tests."""

import cv2
import numpy as np

from tunablecnn import load_pipeline
from tunablecnn.export import export_model
from tunablecnn.train import train

LEVELS = {"start": {"additional_noise": 15}, "end": {"additional_noise": 50}}


def make_exported_model(root, *, tunable=True, channels=1):
    """Train a few steps on generated images, export with TFLite and calibration; return the folder."""
    images = root / "images"
    images.mkdir(parents=True)
    rng = np.random.default_rng(0)
    for i in range(4):
        image = cv2.GaussianBlur((rng.random((48, 48, channels)) * 255).astype("uint8"), (5, 5), 1.5)
        cv2.imwrite(str(images / f"image{i}.png"), image)
    pipeline = {
        "model": {"type": "unet", "filters": 4, "no_layers": 1, "depth": 2, "input_shape": [None, None, channels]},
        "train": {"epochs": 1, "steps_per_epoch": 6, "checkpoint_every": 6, "visualization_every": 100},
        "dataset": {"directory": [str(images)], "batch_size": 4, "input_shape": [24, 24],
                    "color_mode": "gray" if channels == 1 else "rgb"},
    }
    if tunable:
        pipeline["tunable"] = {"type": "adafm", "tune_epochs": 1, **LEVELS}
    pipeline = load_pipeline(pipeline)
    result = train(pipeline, str(root / "run"))
    clean = np.stack([cv2.imread(str(images / f"image{i}.png"), cv2.IMREAD_UNCHANGED) for i in range(2)])
    clean = clean.reshape(2, 48, 48, channels).astype("float32") / 255.0
    out = root / "exported"
    export_model(pipeline, f"{result['checkpoint']}/model.weights.h5", str(out), calibration_images=clean if tunable else None)
    return out
