import cv2
import numpy as np
import pytest

from tunablecnn.evaluate import sweep_grid
from tunablecnn.evaluate.sweep import GAP, MARGIN, MIN_PANEL_WIDTH, TITLE, Crop


class _Scale:
    """A stand-in denoiser: the image times alpha, in the input's dtype; calibrated like alpha = sigma / 100."""

    def __init__(self, calibrated=True):
        self.alphas = []
        self.calibration = [{"level": 0.0, "alpha": 0.0}, {"level": 100.0, "alpha": 1.0}] if calibrated else []

    def __call__(self, image, alpha):
        self.alphas.append(alpha)
        return (image * alpha).astype(image.dtype)

    def estimate_level(self, image):
        return 30.0

    def alpha_for_level(self, level):
        return level / 100.0


def _panel(grid, index, height, width, columns):
    """Pixels of panel `index` in a saved grid (BGR, as OpenCV reads it)."""
    row, column = divmod(index, columns)
    top = MARGIN + row * (TITLE + height + GAP) + TITLE
    left = MARGIN + column * (width + GAP)
    return grid[top:top + height, left:left + width]


def test_panels_are_the_pixels_at_full_resolution_with_the_calibrated_alpha_added(tmp_path, rng):
    image = rng.integers(0, 256, (170, 180), dtype=np.uint8)
    denoiser = _Scale()
    panels = sweep_grid(tmp_path / "sweep.png", image, denoiser, [0.0, 0.5, 1.0])
    grid = cv2.imread(str(tmp_path / "sweep.png"))
    assert denoiser.alphas == [0.0, 0.3, 0.5, 1.0]  # 0.3: the calibrated alpha for the estimated sigma 30
    assert [p.title for p in panels] == ["input\nestimated sigma 30.0", "alpha 0.00",
                                         "alpha 0.30\ncalibrated for sigma 30.0", "alpha 0.50", "alpha 1.00"]
    assert [p.marked for p in panels] == [False, False, True, False, False]
    assert grid.shape[:2] == (2 * MARGIN + 2 * (TITLE + 170) + GAP, 2 * MARGIN + 3 * 180 + 2 * GAP)  # 3 + 2
    np.testing.assert_array_equal(_panel(grid, 0, 170, 180, 3)[..., 0], image)  # 1:1, not resampled
    np.testing.assert_array_equal(_panel(grid, 2, 170, 180, 3)[..., 1], (image * 0.3).astype(np.uint8))
    assert tuple(grid[MARGIN + TITLE - 3, MARGIN + 2 * (180 + GAP) + 90]) != (255, 255, 255)  # the frame
    assert tuple(grid[MARGIN + TITLE - 3, MARGIN + 180 + GAP + 90]) == (255, 255, 255)  # no frame


def test_a_crop_is_cut_from_the_whole_result_and_magnified_to_a_readable_width(tmp_path, rng):
    image = rng.random((60, 80, 1), dtype=np.float32)
    panels = sweep_grid(tmp_path / "crop.png", image, _Scale(calibrated=False), [1.0, 0.3], crop=Crop(10, 20, 40, 30))
    grid = cv2.imread(str(tmp_path / "crop.png"))
    zoom = -(-MIN_PANEL_WIDTH // 40)
    assert [p.title for p in panels] == ["input", "alpha 0.30", "alpha 1.00"] and not any(p.marked for p in panels)
    expected = np.round(np.clip(image[20:50, 10:50, 0], 0, 1) * 255).astype(np.uint8)
    shown = _panel(grid, 0, 30 * zoom, 40 * zoom, 3)[..., 0]
    np.testing.assert_array_equal(shown[::zoom, ::zoom], expected)
    np.testing.assert_array_equal(shown[zoom - 1::zoom, zoom - 1::zoom], expected)


def test_zoom_one_keeps_small_crops_at_one_to_one(tmp_path, rng):
    image = rng.integers(0, 256, (64, 64, 3), dtype=np.uint8)
    sweep_grid(tmp_path / "s.png", image, _Scale(calibrated=False), [0.5], crop=Crop(0, 0, 32, 16), zoom=1)
    grid = cv2.imread(str(tmp_path / "s.png"))
    np.testing.assert_array_equal(_panel(grid, 0, 16, 32, 2)[..., ::-1], image[:16, :32])
    assert grid.shape[1] == 2 * MARGIN + 2 * 32 + GAP


@pytest.mark.parametrize(("text", "message"), [
    ("1,2,3", "crop wants X,Y,WIDTH,HEIGHT in whole pixels"),
    ("1,2,3.5,4", "crop wants X,Y,WIDTH,HEIGHT in whole pixels"),
    ("-1,0,8,8", "crop needs X, Y >= 0 and WIDTH, HEIGHT >= 1"),
    ("0,0,0,8", "crop needs X, Y >= 0 and WIDTH, HEIGHT >= 1"),
])
def test_bad_crop_text_is_refused(text, message):
    with pytest.raises(ValueError, match=message):
        Crop.parse(text)


def test_a_crop_outside_the_image_or_a_bad_zoom_is_refused(tmp_path):
    image = np.zeros((20, 30), np.uint8)
    with pytest.raises(ValueError, match=r"crop 20,0,16,8 does not fit inside the 30x20 image"):
        sweep_grid(tmp_path / "s.png", image, _Scale(), [0.5], crop=Crop.parse("20,0,16,8"))
    with pytest.raises(ValueError, match="Expected zoom a whole number >= 1. Received: zoom=0"):
        sweep_grid(tmp_path / "s.png", image, _Scale(), [0.5], zoom=0)
