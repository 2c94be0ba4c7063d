"""Fixtures: tiny image folders in tmp_path (see helpers.py)."""

import cv2
import numpy as np
import pytest

from tests.data.helpers import write_images


@pytest.fixture
def image_folder(tmp_path, rng):
    return write_images(tmp_path / "images", rng)


@pytest.fixture
def clean_folder(tmp_path, rng):
    """Only readable images, large enough for 32x32 crops without padding."""
    folder = tmp_path / "clean"
    folder.mkdir()
    for index in range(3):
        cv2.imwrite(str(folder / f"{index}.png"), rng.integers(0, 256, (48, 40, 3), dtype=np.uint8))
    return folder
