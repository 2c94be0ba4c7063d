"""Signal-dependent noise: estimate a Poisson-Gaussian model `variance = a * signal + b` from one image.

Camera noise grows with brightness: photon counts are Poisson (variance proportional to the
signal, `a`), read-out noise is Gaussian (`b`). `estimate_noise_model` fits both from a single
noisy image, `noise_sigma_map` turns the fit into a per-pixel sigma; through a model's
calibration that becomes an alpha map (`Denoiser(..., alpha="auto-map")`).

Method (after Foi et al., "Practical Poissonian-Gaussian noise modeling and fitting for
single-image raw-data", IEEE TIP 2008, simplified): split the image into 2x2 blocks; the
block mean estimates the signal and the diagonal Haar detail `(p00 - p01 - p10 + p11) / 2`
holds the noise (its variance is the mean of the four pixels' variances) and, in smooth
blocks, almost no signal. Keep the smoother half of the blocks of each intensity (by the
gradient of the block means), group the blocks into level sets of equal size by their local
mean, estimate each set's noise variance robustly (median absolute detail / 0.6745, squared,
so the few edges left barely count), and fit the line `a * mean + b` by weighted least
squares (weights `n / variance^2`, the inverse variance of a variance estimate), iterated.
A slope that is not significantly positive (below two standard errors) is set to 0: then the
noise is plain Gaussian and `b` is its variance. Blocks touching the image's extreme values
are skipped, as clipping there shrinks the variance. Foi et al. also model clipping and fit
by maximum likelihood; this robust least-squares fit keeps their level-set idea and is enough
to set a smooth alpha map (tested on synthetic Poisson-Gaussian images and on plain Gaussian
noise).
"""

from dataclasses import dataclass

import cv2
import numpy as np

_MAD_TO_SIGMA = 0.6745  # median(|N(0, 1)|)
_LEVEL_SETS = 16
_MIN_BLOCKS_PER_SET = 32
_SIGNAL_BLUR = 2.0  # pixels: the Gaussian blur of the image that estimates the signal of the sigma map


@dataclass(frozen=True)
class NoiseModel:
    """`variance = a * signal + b` in the image's units (on the 0-255 scale: `a` in gray levels, `b` in gray levels^2)."""

    a: float
    b: float

    def sigma(self, signal):
        """Noise standard deviation at `signal` (a number or an array), 0 where the variance would be negative."""
        return np.sqrt(np.maximum(self.a * np.asarray(signal, np.float64) + self.b, 0.0))


def estimate_noise_model(image):
    """The `NoiseModel` of `image` ([H, W] or [H, W, C], any scale; channels pooled), fitted as the module says."""
    x = _as_hwc(image)
    means, details = _blocks(x)
    keep = _usable(x, means)
    if keep.sum() < _MIN_BLOCKS_PER_SET * 2:
        raise ValueError(f"Too few smooth, unclipped 2x2 blocks to fit a noise model in an image of shape {np.shape(image)}")
    signal, variance, count = _level_sets(means[keep], details[keep])
    return _fit_line(signal, variance, count)


def noise_sigma_map(image, model):
    """Per-pixel noise sigma `[H, W]` of `image` under `model`, from the blurred image as the signal (channels averaged)."""
    x = _as_hwc(image).mean(axis=2)
    signal = cv2.GaussianBlur(x, (0, 0), _SIGNAL_BLUR, borderType=cv2.BORDER_REFLECT)
    return model.sigma(signal).astype(np.float32)


def _as_hwc(image):
    x = np.asarray(image, dtype=np.float64)
    x = x[..., None] if x.ndim == 2 else x
    if x.ndim != 3 or x.shape[0] < 8 or x.shape[1] < 8:
        raise ValueError(f"Expected an image [H, W] or [H, W, C] with H, W >= 8. Received: shape={np.shape(image)}")
    return x


def _blocks(x):
    """Block means `[h, w, C]` (smoothed over 3x3 blocks, as the signal of each block) and diagonal details."""
    h, w = x.shape[0] // 2 * 2, x.shape[1] // 2 * 2
    x = x[:h, :w]
    a, b, c, d = x[0::2, 0::2], x[0::2, 1::2], x[1::2, 0::2], x[1::2, 1::2]
    means = cv2.blur((a + b + c + d) / 4.0, (3, 3), borderType=cv2.BORDER_REFLECT).reshape(a.shape)
    return means, (a - b - c + d) / 2.0


def _usable(x, means):
    """Blocks away from the image's extreme values and, per intensity decile, the smoother half."""
    low, high = x.min(), x.max()
    margin = 0.02 * (high - low)
    h, w = means.shape[0] * 2, means.shape[1] * 2
    block_min = x[:h, :w].reshape(h // 2, 2, w // 2, 2, -1).min(axis=(1, 3))
    block_max = x[:h, :w].reshape(h // 2, 2, w // 2, 2, -1).max(axis=(1, 3))
    unclipped = (block_min > low + margin) & (block_max < high - margin)
    roughness = sum(np.abs(g) for g in np.gradient(means, axis=(0, 1)))
    smooth = np.zeros_like(unclipped)
    deciles = np.quantile(means, np.linspace(0, 1, 11))
    for lo, hi in zip(deciles[:-1], deciles[1:]):
        members = (means >= lo) & (means <= hi)
        if members.any():
            smooth |= members & (roughness <= np.median(roughness[members]))
    return unclipped & smooth


def _level_sets(means, details):
    """Per level set of equal size: mean signal, robust noise variance, block count."""
    order = np.argsort(means)
    sets = min(_LEVEL_SETS, len(order) // _MIN_BLOCKS_PER_SET)
    rows = []
    for chosen in np.array_split(order, sets):
        sigma = np.median(np.abs(details[chosen])) / _MAD_TO_SIGMA
        rows.append((means[chosen].mean(), sigma**2, len(chosen)))
    return (np.array(column) for column in zip(*rows))


def _fit_line(signal, variance, count, iterations=5):
    """Weighted least squares `variance = a * signal + b`; `a` = 0 unless significantly positive."""
    fitted = variance
    for _ in range(iterations):
        weights = count / np.maximum(fitted, 1e-12) ** 2
        design = np.stack([signal, np.ones_like(signal)], axis=1)
        normal = design.T @ (design * weights[:, None])
        a, b = np.linalg.solve(normal + 1e-12 * np.eye(2), design.T @ (weights * variance))
        fitted = np.maximum(a * signal + b, 1e-3 * variance.max())
    slope_error = np.sqrt(max(np.linalg.inv(normal + 1e-12 * np.eye(2))[0, 0], 0.0))
    if not a > 2 * slope_error:
        weights = count / variance**2
        return NoiseModel(0.0, float(np.sum(weights * variance) / np.sum(weights)))
    return NoiseModel(float(a), float(b))
