"""Blind estimate of the additive Gaussian noise level of an image (robust wavelet MAD)."""

import numpy as np

_MAD_TO_SIGMA = 0.6745  # median(|N(0, 1)|)


def estimate_noise_sigma(image):
    """Noise standard deviation of `image` ([H, W] or [H, W, C], any scale), in the image's units.

    Donoho's estimator: the finest diagonal Haar wavelet band `(a - b - c + d) / 2` of
    every 2x2 block is mostly noise, and its median absolute value divided by 0.6745
    estimates sigma while ignoring the few large edge coefficients. Texture still inflates
    it at low noise, so only the smoother half of the blocks is used, judged by the gradient
    of the low-pass band `(a + b + c + d) / 2`: for white Gaussian noise the Haar bands are
    independent, so this choice does not bias the noise statistics. Channels are pooled.
    """
    x = np.asarray(image, dtype=np.float64)
    if x.ndim == 2:
        x = x[..., None]
    if x.ndim != 3 or x.shape[0] < 2 or x.shape[1] < 2:
        raise ValueError(f"Expected an image [H, W] or [H, W, C] with H, W >= 2. Received: shape={np.shape(image)}")
    h, w = x.shape[0] // 2 * 2, x.shape[1] // 2 * 2
    x = x[:h, :w]
    a, b, c, d = x[0::2, 0::2], x[0::2, 1::2], x[1::2, 0::2], x[1::2, 1::2]
    diagonal = (a - b - c + d) / 2.0
    low = (a + b + c + d) / 2.0
    roughness = sum(np.abs(g) for g in np.gradient(low, axis=(0, 1))) if min(low.shape[:2]) > 1 else np.zeros_like(low)
    smooth = roughness <= np.median(roughness)
    return float(np.median(np.abs(diagonal[smooth])) / _MAD_TO_SIGMA)
