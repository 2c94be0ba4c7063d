"""Resize and random-crop single images ([h, w, c] float32 tensors).

Images smaller than the crop are padded by reflection rather than resized up: upsampling
would make the clean image unnaturally smooth, and the denoiser would learn on statistics
it never meets at test time. Reflection keeps the local texture; only the seam is mirrored.
"""

import tensorflow as tf


def resize_image(image, shape):
    """Resize `image` to `shape` [h, w] (bilinear, antialiased so that shrinking does not alias)."""
    resized = tf.image.resize(image, shape, method="bilinear", antialias=True)
    # Triangle weights are non-negative, but keep [0, 1] exact against float rounding.
    return tf.clip_by_value(resized, 0.0, 1.0)


def reflect_pad_to(image, shape):
    """Pad `image` by reflection, centred, to at least `shape` [h, w]; any pad size works."""
    height = _reflect_indices(tf.shape(image)[0], shape[0])
    width = _reflect_indices(tf.shape(image)[1], shape[1])
    return tf.gather(tf.gather(image, height, axis=0), width, axis=1)


def random_crop(image, shape, seed):
    """A random `shape` [h, w] crop of `image` (reflection-padded first if smaller); `seed` is a stateless seed."""
    padded = reflect_pad_to(image, shape)
    size = tf.stack([shape[0], shape[1], tf.shape(image)[2]])
    crop = tf.image.stateless_random_crop(padded, size, seed=seed)
    crop.set_shape([shape[0], shape[1], image.shape[2]])
    return crop


def _reflect_indices(size, target):
    """Indices into an axis of length `size` that reflect it (without repeating the edge) to max(size, target)."""
    length = tf.maximum(size, target)
    before = (length - size) // 2
    positions = tf.range(length) - before
    # Reflection is periodic with period 2 * (size - 1); a 1-pixel axis just repeats.
    period = tf.maximum(2 * (size - 1), 1)
    folded = tf.math.floormod(positions, period)
    return tf.where(folded < size, folded, period - folded)
