"""Geometric and photometric augmentations of clean crops ([h, w, c] float32 in [0, 1]).

Every random choice takes an explicit stateless `seed` (shape [2]), so a pipeline built
with a seed is reproducible whatever the parallelism, and switching one augmentation on or
off does not change the random draws of the others.
"""

import tensorflow as tf


def rotate(image, angle):
    """Rotate `image` [h, w, c] counter-clockwise by `angle` radians about its centre, filling by reflection."""
    height = tf.cast(tf.shape(image)[0], tf.float32)
    width = tf.cast(tf.shape(image)[1], tf.float32)
    cos, sin = tf.cos(angle), tf.sin(angle)
    # Output pixel (x, y) samples input (cos x - sin y + dx, sin x + cos y + dy): a rotation about the centre.
    dx = ((width - 1) - (cos * (width - 1) - sin * (height - 1))) / 2
    dy = ((height - 1) - (sin * (width - 1) + cos * (height - 1))) / 2
    transform = tf.stack([cos, -sin, dx, sin, cos, dy, 0.0, 0.0])[None]
    rotated = tf.raw_ops.ImageProjectiveTransformV3(
        images=image[None],
        transforms=transform,
        output_shape=tf.shape(image)[:2],
        fill_value=0.0,
        interpolation="BILINEAR",
        fill_mode="REFLECT",
    )
    return tf.ensure_shape(rotated[0], image.shape)


def random_rotate(image, max_angle, seed):
    """Rotate by an angle drawn uniformly from [-max_angle, max_angle] radians."""
    angle = tf.random.stateless_uniform([], seed, minval=-max_angle, maxval=max_angle)
    return rotate(image, angle)


def invert(image):
    """The negative 1 - x of an image in [0, 1]."""
    return 1.0 - image


def random_invert(image, seed):
    """Invert `image` with probability 1/2."""
    return tf.cond(_coin(seed), lambda: invert(image), lambda: image)


def augment(image, seed, *, flip_left_right=False, flip_up_down=False, max_angle=0.0, negate=False):
    """Apply the enabled augmentations to one clean crop, each with its own sub-seed of `seed`.

    Flips and `negate` (1 - x) each hit a random half of the images; `max_angle` > 0 rotates
    by a uniform angle in [-max_angle, max_angle] radians.
    """
    if flip_left_right:
        image = tf.image.stateless_random_flip_left_right(image, tf.random.fold_in(seed, 0))
    if flip_up_down:
        image = tf.image.stateless_random_flip_up_down(image, tf.random.fold_in(seed, 1))
    if max_angle > 0:
        image = random_rotate(image, float(max_angle), tf.random.fold_in(seed, 2))
    if negate:
        image = random_invert(image, tf.random.fold_in(seed, 3))
    return image


def _coin(seed):
    return tf.random.stateless_uniform([], seed) < 0.5
