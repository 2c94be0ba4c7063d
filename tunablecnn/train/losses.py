"""The training loss (hinge MAE, optional MSE, weighted regularization) and the validation PSNR."""

import numpy as np
import tensorflow as tf

from tunablecnn import metrics


def per_example_loss(clean, restored, loss_config):
    """Data term per example: `mae_multiplier * mean(max(|e| - hinge, 0)) + mse_multiplier * mean(e^2)`.

    Per-pixel absolute errors below `hinge` cost nothing, so the network does not spend
    capacity on differences too small to matter.
    """
    error = tf.cast(restored, tf.float32) - tf.cast(clean, tf.float32)
    axes = [1, 2, 3]
    mae = tf.reduce_mean(tf.nn.relu(tf.abs(error) - loss_config["hinge"]), axis=axes)
    mse = tf.reduce_mean(tf.square(error), axis=axes)
    return loss_config["mae_multiplier"] * mae + loss_config["mse_multiplier"] * mse


def regularization_loss(model, loss_config):
    """`regularization` times the sum of the model's weight penalties (see model.kernel_regularizer)."""
    if not model.losses:
        return tf.constant(0.0)
    return loss_config["regularization"] * tf.add_n([tf.cast(loss, tf.float32) for loss in model.losses])


def psnr(clean, restored):
    """Mean PSNR in dB of a batch `[N, H, W, C]` in [0, 1]: `tunablecnn.metrics.psnr` (peak 1) of each
    image, with `restored` clipped to [0, 1] as the evaluation convention does."""
    restored = np.clip(np.asarray(restored, np.float64), 0.0, 1.0)
    return float(np.mean([metrics.psnr(c, r, peak=1.0) for c, r in zip(np.asarray(clean), restored)]))
