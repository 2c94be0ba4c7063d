"""Image-quality metrics and the noise convention of the evaluation (as DnCNN, FFDNet, DRUNet).

The convention: the clean image is float in [0, 255]; Gaussian noise of standard deviation
`sigma` (0-255 scale) is added WITHOUT clipping, from a fixed seed per image and sigma
(`noise_seed`); the restored image is clipped to [0, 255]; PSNR uses peak 255; scores are
averaged over the images (`score_image` does the clipping and both metrics).
"""

import numpy as np
from skimage.metrics import structural_similarity

PEAK = 255.0


def noise_seed(base_seed, image_index, sigma):
    """Seed of the noise for image number `image_index` (0-based, in sorted order) at level `sigma`.

    It is the first 32-bit word of `numpy.random.SeedSequence([base_seed, image_index,
    round(1000 * sigma)])`: the same arguments always give the same noise, while different
    images or sigmas (differing by at least 0.001) give unrelated noise. All arguments must be >= 0.
    """
    if base_seed < 0 or image_index < 0 or sigma < 0:
        raise ValueError("Expected base_seed, image_index and sigma >= 0. "
                         f"Received: {base_seed}, {image_index}, {sigma}")
    entropy = [int(base_seed), int(image_index), int(round(1000 * float(sigma)))]
    return int(np.random.SeedSequence(entropy).generate_state(1)[0])


def add_noise(clean_0_255, sigma, seed):
    """`clean_0_255` (float, [0, 255]) plus Gaussian noise of std `sigma` from `default_rng(seed)`; not clipped.

    Returns float64 of the same shape; values below 0 and above 255 are kept on purpose (the
    evaluation convention feeds the unclipped noisy image to the denoiser).
    """
    clean = np.asarray(clean_0_255, np.float64)
    return clean + np.random.default_rng(seed).normal(0.0, float(sigma), clean.shape)


def psnr(clean, restored, peak=PEAK):
    """Peak signal-to-noise ratio in dB, `10 log10(peak^2 / MSE)`; inf for identical images.

    Computed in float64 on the values as given: clip `restored` first (see `score_image`).
    The package's one PSNR: evaluation, level calibration and the training validation
    (`tunablecnn.train.losses.psnr`, per image of a batch) all compute through it.
    """
    clean, restored = _pair(clean, restored)
    mse = float(np.mean((clean - restored) ** 2))
    return float("inf") if mse == 0 else float(10.0 * np.log10(peak**2 / mse))


def ssim(clean, restored, peak=PEAK):
    """Structural similarity (scikit-image `structural_similarity`, data_range=`peak`).

    Gray images may be `[H, W]` or `[H, W, 1]`; colour `[H, W, C]` is scored per channel
    (`channel_axis=-1`) and averaged. Both sides must be at least 7 x 7 (the default window).
    """
    clean, restored = _pair(clean, restored)
    if clean.ndim == 3 and clean.shape[-1] == 1:
        clean, restored = clean[..., 0], restored[..., 0]
    channel_axis = -1 if clean.ndim == 3 else None
    return float(structural_similarity(clean, restored, data_range=peak, channel_axis=channel_axis))


def score_image(clean, restored, peak=PEAK):
    """`(psnr, ssim)` of `restored` clipped to [0, peak] against `clean`, as the convention prescribes."""
    restored = np.clip(np.asarray(restored, np.float64), 0.0, peak)
    return psnr(clean, restored, peak), ssim(clean, restored, peak)


def _pair(clean, restored):
    clean, restored = np.asarray(clean, np.float64), np.asarray(restored, np.float64)
    if clean.shape != restored.shape:
        raise ValueError(f"Expected images of the same shape. Received: {clean.shape} and {restored.shape}")
    return clean, restored
