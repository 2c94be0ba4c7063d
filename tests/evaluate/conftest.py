import cv2
import numpy as np
import pytest


@pytest.fixture
def dataset(tmp_path, rng):
    """Two smooth RGB images."""
    folder = tmp_path / "clean"
    folder.mkdir()
    for i in range(2):
        image = cv2.GaussianBlur(rng.integers(0, 256, (24, 32, 3), dtype=np.uint8), (5, 5), 1.5)
        cv2.imwrite(str(folder / f"img{i}.png"), image)
    return folder


@pytest.fixture
def mixed_dataset(tmp_path, rng):
    """A gray image, a colour image, a truncated PNG and a text file."""
    folder = tmp_path / "mixed"
    folder.mkdir()
    gray = cv2.GaussianBlur(rng.integers(0, 256, (24, 32), dtype=np.uint8), (5, 5), 1.5)
    cv2.imwrite(str(folder / "gray.png"), gray)
    cv2.imwrite(str(folder / "colour.png"), np.stack([gray, gray[::-1], 255 - gray], axis=-1))
    encoded = cv2.imencode(".png", gray)[1].tobytes()
    (folder / "truncated.png").write_bytes(encoded[: len(encoded) // 2])
    (folder / "notes.txt").write_text("not an image")
    return folder
