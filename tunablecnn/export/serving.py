"""Serving functions: the model behind `tf.function`s with dynamic batch, height and width.

`uint8_serving_function` is the deployable signature (`serving_default`): `image` uint8
[N, H, W, C], for tunable models `alpha` float32 [N, 1], output `denoised` uint8; scaling
to [0, 1] and back is inside the graph. `float_serving_function` takes float images in
[0, 1] scale without clipping them on the way in (evaluation feeds unclipped noisy images).

`alpha_map=True` gives the same functions for `tunablecnn.models.with_alpha_map(model)`:
`alpha` float32 [N, H, W, 1], one level per pixel, the image's height and width (the
`alpha_map` and `denoise_float_map` signatures).

`freeze=True` bakes the current weights into the graph as constants (Keras `stateless_call`),
as TFLite conversion needs: the converter then folds kernel arithmetic such as FTN's
`FTN(W) - W` into static kernels. Unfrozen functions read the model's variables (SavedModel).
"""

import tensorflow as tf

from tunablecnn.model_folder import OUTPUT
from tunablecnn.models.alpha_map import with_alpha_map
from tunablecnn.models.tunable import is_tunable


def image_channels(model):
    image = model.input["image"] if is_tunable(model) else model.inputs[0]
    return image.shape[-1]


def float_serving_function(model, *, clip=False, freeze=False, alpha_map=False):
    """`image` float32 (and `alpha`) -> `{"denoised": float32}`, clipped to [0, 1] if `clip`."""
    model = with_alpha_map(model) if alpha_map else model
    weights = _weight_values(model) if freeze else None

    def denoise(image, alpha=None):
        restored = _call(model, image, alpha, weights)
        return {OUTPUT: tf.clip_by_value(restored, 0.0, 1.0) if clip else restored}

    return _with_signature(model, denoise, tf.float32, alpha_map)


def uint8_serving_function(model, *, freeze=False, alpha_map=False):
    """`image` uint8 (and `alpha`) -> `{"denoised": uint8}`, rounded to the nearest gray level."""
    model = with_alpha_map(model) if alpha_map else model
    weights = _weight_values(model) if freeze else None

    def denoise(image, alpha=None):
        restored = _call(model, tf.cast(image, tf.float32) / 255.0, alpha, weights)
        levels = tf.round(tf.clip_by_value(restored, 0.0, 1.0) * 255.0)
        return {OUTPUT: tf.cast(levels, tf.uint8)}

    return _with_signature(model, denoise, tf.uint8, alpha_map)


def _call(model, image, alpha, weights):
    inputs = {"image": image, "alpha": alpha} if alpha is not None else image
    if weights is None:
        return tf.cast(model(inputs, training=False), tf.float32)
    trainable, non_trainable = ([tf.constant(value) for value in values] for values in weights)
    restored, _ = model.stateless_call(trainable, non_trainable, inputs, training=False)
    return tf.cast(restored, tf.float32)


def _weight_values(model):
    """A snapshot of the weights as numpy arrays: later changes to the model do not reach the function."""
    return [v.numpy() for v in model.trainable_variables], [v.numpy() for v in model.non_trainable_variables]


def _with_signature(model, denoise, dtype, alpha_map):
    image = tf.TensorSpec([None, None, None, image_channels(model)], dtype, name="image")
    if not is_tunable(model):
        return tf.function(lambda image: denoise(image), input_signature=[image])
    alpha = tf.TensorSpec([None, None, None, 1] if alpha_map else [None, 1], tf.float32, name="alpha")
    return tf.function(lambda image, alpha: denoise(image, alpha), input_signature=[image, alpha])
