"""Degradations that turn a clean crop into the network input: blur, subsampling, noise.

Order (as the design requires): clean -> blur / subsample -> multiplicative noise ->
additive Gaussian noise. The result is deliberately *not* clipped: clipping would bias
the noise near 0 and 1 and break the "unclipped Gaussian noise" evaluation convention.
Sigmas are on the 0-255 scale (as in the literature) and divided by 255 here.
"""

import numpy as np
import tensorflow as tf

NOISE_SAMPLING = ("choice", "uniform")
BLUR_SIGMA = 1.0
BLUR_SIZE = 5


def sample_sigma(sigmas, sampling, seed):
    """One sigma per call: `choice` picks one of `sigmas`, `uniform` draws from [min(sigmas), max(sigmas)]."""
    if sampling == "choice":
        return _choice(sigmas, tf.float32, seed)
    if sampling == "uniform":
        return tf.random.stateless_uniform([], seed, minval=min(sigmas), maxval=max(sigmas))
    raise ValueError(f"Expected noise_sampling in {NOISE_SAMPLING}. Received: noise_sampling={sampling!r}")


def additive_noise(image, sigma, seed):
    """`image` plus Gaussian noise of standard deviation `sigma` / 255."""
    return image + tf.random.stateless_normal(tf.shape(image), seed) * (sigma / 255.0)


def multiplicative_noise(image, std, seed):
    """`image * (1 + n)` with n ~ N(0, std), std on the [0, 1] scale (speckle-like noise)."""
    return image * (1.0 + tf.random.stateless_normal(tf.shape(image), seed) * std)


def subsample(image, factor):
    """Lose detail as a `factor`x lower-resolution camera would: area-average down, bilinear back up."""
    size = tf.shape(image)[:2]
    small = tf.image.resize(image, tf.maximum(size // factor, 1), method="area")
    return tf.image.resize(small, size, method="bilinear")


def gaussian_blur(image, sigma=BLUR_SIGMA, size=BLUR_SIZE):
    """Blur each channel with a `size` x `size` Gaussian of std `sigma` (reflect-padded, depthwise conv)."""
    channels = image.shape[-1]
    kernel = tf.constant(np.tile(_gaussian_kernel(sigma, size)[:, :, None, None], (1, 1, channels, 1)))
    pad = size // 2
    # Reflection keeps the borders from darkening, as zero padding would.
    padded = tf.pad(image[None], [[0, 0], [pad, pad], [pad, pad], [0, 0]], mode="REFLECT")
    return tf.nn.depthwise_conv2d(padded, kernel, [1, 1, 1, 1], "VALID")[0]


def degrade(clean, seed, *, sigmas, sampling="choice", multiplicative=(), subsample_sizes=(), blur=False):
    """The degraded version of one clean crop; every random draw uses its own sub-seed of `seed`.

    `blur` blurs a random half of the images; `subsample_sizes`, `multiplicative` and `sigmas`
    each give one value drawn per image (empty `subsample_sizes` / `multiplicative`: none).
    """
    image = clean
    if blur:
        image = tf.cond(_coin(tf.random.fold_in(seed, 10)), lambda: gaussian_blur(image), lambda: image)
    if subsample_sizes:
        factor = _choice(subsample_sizes, tf.int32, tf.random.fold_in(seed, 11))
        image = subsample(image, factor)
    if multiplicative:
        std = _choice(multiplicative, tf.float32, tf.random.fold_in(seed, 12))
        image = multiplicative_noise(image, std, tf.random.fold_in(seed, 13))
    sigma = sample_sigma(sigmas, sampling, tf.random.fold_in(seed, 14))
    return additive_noise(image, sigma, tf.random.fold_in(seed, 15))


def _gaussian_kernel(sigma, size):
    x = np.arange(size, dtype=np.float64) - (size - 1) / 2
    line = np.exp(-(x**2) / (2 * sigma**2))
    kernel = np.outer(line, line)
    return (kernel / kernel.sum()).astype(np.float32)  # weights sum to 1: flat areas stay unchanged


def _choice(values, dtype, seed):
    values = tf.constant(values, dtype)
    return values[tf.random.stateless_uniform([], seed, maxval=tf.size(values), dtype=tf.int32)]


def _coin(seed):
    return tf.random.stateless_uniform([], seed) < 0.5
