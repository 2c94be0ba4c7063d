import keras
import tensorflow as tf


@keras.saving.register_keras_serializable(package="tunablecnn")
class DepthToSpace(keras.layers.Layer):
    """Pixel shuffle: `[b, h, w, c * s * s] -> [b, h * s, w * s, c]` (TFLite: DEPTH_TO_SPACE).

    Args:
        block_size: Int >= 2.
    """

    def __init__(self, block_size=2, **kwargs):
        super().__init__(**kwargs)
        if int(block_size) < 2:
            raise ValueError(f"Expected block_size >= 2. Received: block_size={block_size}")
        self.block_size = int(block_size)

    def call(self, inputs):
        return tf.nn.depth_to_space(inputs, self.block_size)

    def compute_output_shape(self, input_shape):
        b, h, w, c = input_shape
        s = self.block_size
        scale = lambda size: None if size is None else size * s  # noqa: E731
        return (b, scale(h), scale(w), c // (s * s))

    def get_config(self):
        return {**super().get_config(), "block_size": self.block_size}
