import numpy as np
import pytest
from skimage.metrics import structural_similarity

from tunablecnn.metrics import add_noise, noise_seed, psnr, score_image, ssim


def test_psnr_of_a_known_mse():
    clean = np.full((8, 8), 100.0)
    assert psnr(clean, clean + 1.0) == pytest.approx(48.1308, abs=1e-4)  # 10 log10(255^2 / 1)
    assert psnr(clean, clean + 2.0) == pytest.approx(48.1308 - 6.0206, abs=1e-4)
    assert psnr(clean / 255, clean / 255 + 1 / 255, peak=1.0) == pytest.approx(48.1308, abs=1e-4)
    assert psnr(clean, clean) == float("inf")


@pytest.mark.parametrize("shape", [(24, 20), (24, 20, 1), (24, 20, 3)])
def test_ssim_matches_scikit_image(rng, shape):
    clean = rng.random(shape) * 255
    restored = np.clip(clean + rng.normal(0, 20, shape), 0, 255)
    expected = structural_similarity(np.squeeze(clean, -1) if shape[-1] == 1 else clean,
                                     np.squeeze(restored, -1) if shape[-1] == 1 else restored,
                                     data_range=255, channel_axis=-1 if shape[-1] == 3 else None)
    assert ssim(clean, restored) == pytest.approx(expected, abs=1e-12)
    assert ssim(clean, clean) == pytest.approx(1.0)


def test_score_image_clips_the_restored_image():
    clean = np.full((8, 8), 255.0)
    assert score_image(clean, clean + 50.0) == (float("inf"), pytest.approx(1.0))


def test_shape_mismatch_raises():
    with pytest.raises(ValueError, match="same shape"):
        psnr(np.zeros((4, 4)), np.zeros((4, 5)))


def test_noise_is_reproducible_and_differs_per_image_and_sigma():
    clean = np.full((16, 16, 1), 128.0)
    seed = noise_seed(0, 3, 25)
    assert seed == noise_seed(0, 3, 25.0)
    np.testing.assert_array_equal(add_noise(clean, 25, seed), add_noise(clean, 25, seed))
    seeds = {noise_seed(0, i, s) for i in range(3) for s in (15, 25, 25.5)} | {noise_seed(1, 0, 15)}
    assert len(seeds) == 10
    other_image = add_noise(clean, 25, noise_seed(0, 4, 25)) - clean
    other_sigma = add_noise(clean, 25, noise_seed(0, 3, 35)) - clean
    noise = add_noise(clean, 25, seed) - clean
    assert not np.allclose(noise, other_image) and not np.allclose(noise, other_sigma)
    assert noise.std() == pytest.approx(25, rel=0.15) and abs(noise.mean()) < 5


def test_noise_is_not_clipped():
    clean = np.concatenate([np.zeros((16, 16)), np.full((16, 16), 255.0)])
    noisy = add_noise(clean, 50, noise_seed(0, 0, 50))
    assert noisy.dtype == np.float64 and noisy.min() < 0 and noisy.max() > 255


def test_noise_seed_rejects_negative_arguments():
    with pytest.raises(ValueError, match="Expected base_seed, image_index and sigma >= 0"):
        noise_seed(-1, 0, 25)
