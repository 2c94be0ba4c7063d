import numpy as np
import pytest
from skimage import data

from tunablecnn.inference.noise_estimation import estimate_noise_sigma


def _clean_images():
    """Natural images bundled with scikit-image (no download), in [0, 255]."""
    return [data.camera().astype(float), data.moon().astype(float), data.coins().astype(float)]


@pytest.mark.parametrize("sigma", [10, 15, 25, 35, 50, 60])
def test_estimate_is_within_ten_percent_on_natural_images(sigma):
    rng = np.random.default_rng(sigma)
    for clean in _clean_images():
        noisy = clean + rng.normal(0, sigma, clean.shape)
        assert estimate_noise_sigma(noisy) == pytest.approx(sigma, rel=0.10)


def test_scale_free_and_channel_pooled():
    rng = np.random.default_rng(0)
    noisy = rng.normal(0, 0.1, (64, 64, 3))
    assert estimate_noise_sigma(noisy) == pytest.approx(0.1, rel=0.1)
    assert estimate_noise_sigma(255 * noisy) == pytest.approx(255 * estimate_noise_sigma(noisy))


def test_clean_flat_image_has_no_noise():
    assert estimate_noise_sigma(np.full((16, 16), 0.5)) == 0.0


def test_bad_shape():
    with pytest.raises(ValueError, match=r"Expected an image \[H, W\] or \[H, W, C\] with H, W >= 2"):
        estimate_noise_sigma(np.zeros((1, 5)))
