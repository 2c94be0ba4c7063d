"""Tiny image folders written with OpenCV (never the shared data sets) and filled configs."""

import cv2
import numpy as np

from tunablecnn import load_pipeline


def write_images(folder, rng):
    """One image of each supported kind (gray/RGB, 8/16-bit, PNG/JPEG/BMP/TIFF) plus three bad files."""
    (folder / "sub" / "deeper").mkdir(parents=True)
    cv2.imwrite(str(folder / "gray.png"), rng.integers(0, 256, (40, 36), dtype=np.uint8))
    cv2.imwrite(str(folder / "deep16.png"), rng.integers(0, 65536, (28, 28), dtype=np.uint16))
    cv2.imwrite(str(folder / "sub" / "color.jpg"), rng.integers(0, 256, (30, 40, 3), dtype=np.uint8))
    cv2.imwrite(str(folder / "sub" / "wide16.tif"), rng.integers(0, 65536, (20, 48, 3), dtype=np.uint16))
    cv2.imwrite(str(folder / "sub" / "deeper" / "pic.bmp"), rng.integers(0, 256, (24, 24, 3), dtype=np.uint8))
    (folder / "notes.txt").write_text("not an image")
    (folder / "fake.png").write_text("text with an image extension")
    # A valid PNG header with the rest cut off: listed, but fails to decode in the pipeline.
    (folder / "sub" / "truncated.png").write_bytes((folder / "gray.png").read_bytes()[:60])
    return folder


GOOD = ["deep16.png", "gray.png", "sub/color.jpg", "sub/deeper/pic.bmp", "sub/wide16.tif"]


def dataset_config(folders, **overrides):
    """A `dataset` section filled from the schema defaults, reading `folders`."""
    channels = 3 if overrides.get("color_mode") == "rgb" else 1
    raw = {
        "model": {"input_shape": [None, None, channels]},
        "dataset": {"directory": [str(folder) for folder in folders], **overrides},
    }
    return load_pipeline(raw)["dataset"]


def undecodable_folder(folder):
    """The folder of issue 11: a truncated PNG, a text file and an empty file; returns it."""
    folder.mkdir()
    _, data = cv2.imencode(".png", np.zeros((16, 16), np.uint8))
    (folder / "cut.png").write_bytes(data.tobytes()[:60])
    (folder / "notes.txt").write_text("text")
    (folder / "empty.png").write_bytes(b"")
    return folder
