import numpy as np
import pytest

from tunablecnn.inference.noise_model import NoiseModel, estimate_noise_model, noise_sigma_map


def _scene(size=256):
    """Smooth gradients over most of the intensity range, a dark square with sharp edges, a bright stripe."""
    y, x = np.mgrid[0:size, 0:size] / size
    image = 20 + 215 * x + 15 * np.sin(7 * y)
    image[size // 4 : size // 2, size // 4 : size // 2] -= 60
    image[:, int(0.8 * size) : int(0.85 * size)] += 10
    return np.clip(image, 5, 250)


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize(("a", "b"), [(1500 / 255, 100.0), (600 / 255, 25.0)])  # sigma 10 -> 40 and 5 -> 25
def test_recovers_poisson_gaussian_noise(seed, a, b):
    """Tolerance: a within 10 %, b within 35 % (b is the line's intercept: its sigma within ~16 %)."""
    rng = np.random.default_rng(seed)
    clean = _scene()
    noisy = a * rng.poisson(clean / a) + rng.normal(0, np.sqrt(b), clean.shape)  # photon counts, then read-out
    model = estimate_noise_model(noisy)
    assert model.a == pytest.approx(a, rel=0.10) and model.b == pytest.approx(b, rel=0.35)


@pytest.mark.parametrize("sigma", [10.0, 25.0, 50.0])
def test_constant_gaussian_noise_gives_no_slope(sigma):
    """Tolerance: b within 10 % of sigma^2; the slope adds under 10 % of that at mid-gray (a * 128 < 0.1 b)."""
    rng = np.random.default_rng(int(sigma))
    noisy = _scene() + rng.normal(0, sigma, (256, 256))
    model = estimate_noise_model(noisy)
    assert model.b == pytest.approx(sigma**2, rel=0.10) and 0 <= model.a * 128 < 0.1 * model.b


def test_scale_and_channels_follow_the_image():
    rng = np.random.default_rng(0)
    clean = np.stack([_scene()] * 3, axis=-1) / 255.0
    noisy = clean + rng.normal(0, 20 / 255, clean.shape)  # colour, on the 0-1 scale
    model = estimate_noise_model(noisy)
    assert np.sqrt(model.b) == pytest.approx(20 / 255, rel=0.06)


def test_sigma_map_follows_the_signal():
    model = NoiseModel(a=4.0, b=36.0)
    image = np.broadcast_to(np.linspace(0, 255, 64), (32, 64))
    sigmas = noise_sigma_map(image, model)
    assert sigmas.shape == (32, 64) and sigmas.dtype == np.float32
    np.testing.assert_allclose(sigmas[16, 8:-8], np.sqrt(4.0 * image[16, 8:-8] + 36.0), rtol=1e-3)
    assert NoiseModel(a=1.0, b=-50.0).sigma(10.0) == 0.0  # a negative variance is no noise


def test_too_small_or_flat_images_are_refused():
    with pytest.raises(ValueError, match=r"Expected an image \[H, W\] or \[H, W, C\] with H, W >= 8"):
        estimate_noise_model(np.zeros((4, 40)))
    with pytest.raises(ValueError, match="Too few smooth, unclipped 2x2 blocks"):
        estimate_noise_model(np.zeros((16, 16)))
