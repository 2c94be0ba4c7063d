import keras
import tensorflow as tf


@keras.saving.register_keras_serializable(package="tunablecnn")
class PadToMultiple(keras.layers.Layer):
    """Zero-pad height and width at the bottom/right up to the next multiple of `multiple`.

    Lets a U-Net with `depth` downsamplings take any H x W; `CropToMatch` removes the
    padding afterwards. Zero padding is linear, so scale equivariance is kept.

    Args:
        multiple: Positive int, usually `2 ** depth`.

    Output shape: `[batch, ceil(H / m) * m, ceil(W / m) * m, channels]`.
    """

    def __init__(self, multiple=8, **kwargs):
        super().__init__(**kwargs)
        if int(multiple) < 1:
            raise ValueError(f"Expected multiple >= 1. Received: multiple={multiple}")
        self.multiple = int(multiple)

    def call(self, inputs):
        # Concatenating zero blocks, unlike tf.pad with run-time paddings, keeps the static channel
        # count, which TFLite's builtin CONV_2D needs (the converter ignores set_shape hints).
        shape = tf.shape(inputs)
        batch, height, width = shape[0], shape[1], shape[2]
        channels = inputs.shape[-1]
        pad_h = (-height) % self.multiple
        pad_w = (-width) % self.multiple
        x = tf.concat([inputs, tf.zeros([batch, pad_h, width, channels], inputs.dtype)], axis=1)
        return tf.concat([x, tf.zeros([batch, height + pad_h, pad_w, channels], inputs.dtype)], axis=2)

    def compute_output_shape(self, input_shape):
        batch, height, width, channels = input_shape
        m = self.multiple
        grow = lambda size: None if size is None else -(-size // m) * m  # noqa: E731
        return (batch, grow(height), grow(width), channels)

    def get_config(self):
        return {**super().get_config(), "multiple": self.multiple}
