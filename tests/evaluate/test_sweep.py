import cv2
import numpy as np

from tunablecnn.evaluate import sweep_grid


class _Scale:
    """A stand-in denoiser: the image times alpha, in the input's dtype."""

    def __init__(self):
        self.alphas = []

    def __call__(self, image, alpha):
        self.alphas.append(alpha)
        return (image * alpha).astype(image.dtype)


def test_sweep_grid_shows_the_input_then_one_panel_per_alpha(tmp_path):
    denoiser = _Scale()
    path = tmp_path / "sweep.png"
    sweep_grid(path, np.full((20, 30, 1), 200, np.uint8), denoiser, [0.0, 0.5, 1.0])
    grid = cv2.imread(str(path))
    assert denoiser.alphas == [0.0, 0.5, 1.0]
    assert grid is not None and grid.shape[1] > 3 * grid.shape[0]  # four panels side by side
