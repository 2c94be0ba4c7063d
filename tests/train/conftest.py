import json

import cv2
import numpy as np
import pytest


@pytest.fixture
def image_folder(tmp_path):
    """Six small smooth gray images, the only training data the tests use."""
    folder = tmp_path / "images"
    folder.mkdir()
    rng = np.random.default_rng(0)
    for i in range(6):
        image = cv2.GaussianBlur((rng.random((40, 40)) * 255).astype("uint8"), (7, 7), 2)
        cv2.imwrite(str(folder / f"image{i}.png"), image)
    return folder


@pytest.fixture
def tiny_pipeline(image_folder):
    """A pipeline dict that trains in a few seconds; tests override what they need."""

    def make(**sections):
        pipeline = {
            "model": {"type": "resnet", "filters": 4, "no_layers": 1},
            "train": {"epochs": 2, "steps_per_epoch": 4, "checkpoint_every": 3, "visualization_every": 4},
            "dataset": {"directory": [str(image_folder)], "batch_size": 4, "input_shape": [16, 16]},
        }
        for name, values in sections.items():
            pipeline[name] = {**pipeline.get(name, {}), **values}
        return pipeline

    return make


def write_json(path, data):
    path.write_text(json.dumps(data))
    return path
