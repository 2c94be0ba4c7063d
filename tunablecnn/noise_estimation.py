"""Blind estimate of the additive Gaussian noise level of an image (robust wavelet MAD)."""

import numpy as np

_MAD_TO_SIGMA = 0.6745  # median(|N(0, 1)|)


def estimate_noise_sigma(image):
    """Noise standard deviation of `image` ([H, W] or [H, W, C], any scale), in the image's units.

    Donoho's estimator: the finest diagonal Haar wavelet band `(a - b - c + d) / 2` of
    every 2x2 block is almost pure noise on natural images, and its median absolute value
    divided by 0.6745 estimates sigma while ignoring the few large edge coefficients.
    Channels are pooled.
    """
    x = np.asarray(image, dtype=np.float64)
    if x.ndim == 2:
        x = x[..., None]
    if x.ndim != 3 or x.shape[0] < 2 or x.shape[1] < 2:
        raise ValueError(f"Expected an image [H, W] or [H, W, C] with H, W >= 2. Received: shape={np.shape(image)}")
    h, w = x.shape[0] // 2 * 2, x.shape[1] // 2 * 2
    x = x[:h, :w]
    diagonal = (x[0::2, 0::2] - x[0::2, 1::2] - x[1::2, 0::2] + x[1::2, 1::2]) / 2.0
    return float(np.median(np.abs(diagonal)) / _MAD_TO_SIGMA)
