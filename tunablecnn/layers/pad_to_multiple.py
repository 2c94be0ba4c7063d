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
        shape = tf.shape(inputs)
        pad_h = (-shape[1]) % self.multiple
        pad_w = (-shape[2]) % self.multiple
        return tf.pad(inputs, [[0, 0], [0, pad_h], [0, pad_w], [0, 0]])

    def compute_output_shape(self, input_shape):
        batch, height, width, channels = input_shape
        m = self.multiple
        grow = lambda size: None if size is None else -(-size // m) * m  # noqa: E731
        return (batch, grow(height), grow(width), channels)

    def get_config(self):
        return {**super().get_config(), "multiple": self.multiple}
