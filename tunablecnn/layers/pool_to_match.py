import keras
import tensorflow as tf
from keras import ops


@keras.saving.register_keras_serializable(package="tunablecnn")
class PoolToMatch(keras.layers.Layer):
    """Average-pool an image-resolution map to the size of a feature map that covers the image at `stride`.

    Feature pixel `(i, j)` of `reference` covers image pixels `[i * stride, (i + 1) * stride)`
    in each axis; the output is the mean of the map over that block. Images are padded at
    the bottom/right before a U-Net (`PadToMultiple`), so `reference` may cover more than the
    map: the map is first extended by repeating its last row and column (rows and columns
    the reference does not cover are dropped), then pooled. This matches the feature maps of
    U-Net levels (stride `2^level` of the padded image) and of Gaussian-pyramid levels
    (`ceil(H / 2^k)`), and keeps a constant map constant. Used to give each modulated layer
    the alpha map at its own resolution (`tunablecnn.models.with_alpha_map`). TFLite: GATHER,
    AVERAGE_POOL_2D.

    Args:
        stride: Positive int, image pixels per feature pixel along each axis.

    Call arguments:
        inputs: `[batch, H, W, channels]`, the map at image resolution.
        reference: `[batch, h, w, any]`; only its spatial size is used.

    Output shape: `[batch, h, w, channels]`.

    Raises:
        ValueError: for a `stride` below 1.

    Example:
        >>> y = PoolToMatch(2)(np.ones((1, 9, 9, 1), "float32"), np.ones((1, 8, 8, 4), "float32"))  # (1, 8, 8, 1)
    """

    def __init__(self, stride=1, **kwargs):
        super().__init__(**kwargs)
        if int(stride) < 1:
            raise ValueError(f"Expected stride >= 1. Received: stride={stride}")
        self.stride = int(stride)

    def call(self, inputs, reference):
        covered = tf.shape(reference)[1:3] * self.stride
        x = _repeat_last(inputs, covered[0], tf.shape(inputs)[1], axis=1)
        x = _repeat_last(x, covered[1], tf.shape(inputs)[2], axis=2)
        if self.stride == 1:
            return x
        return ops.average_pool(x, self.stride, self.stride, padding="valid")

    def compute_output_shape(self, inputs_shape, reference_shape):
        return (inputs_shape[0], reference_shape[1], reference_shape[2], inputs_shape[3])

    def get_config(self):
        return {**super().get_config(), "stride": self.stride}


def _repeat_last(x, size, available, axis):
    """The first `size` entries of `x` along `axis`, repeating the last one beyond `available`."""
    return tf.gather(x, tf.minimum(tf.range(size), available - 1), axis=axis)
