import keras
import tensorflow as tf
from keras import ops


@keras.saving.register_keras_serializable(package="tunablecnn")
class ResizeToMatch(keras.layers.Layer):
    """Bilinear resize of `inputs` to the height and width of `reference` (known only at run time).

    Used to bring a coarse pyramid level back to the next finer size, which may be odd.
    Resizing is linear, so it keeps bias-free models scale-equivariant. Uses
    `tf.image.resize` because the target size is a run-time tensor (TFLite: RESIZE_BILINEAR).

    Call arguments:
        inputs: `[batch, h, w, channels]`.
        reference: `[batch, H, W, any]`; only its spatial size is used.

    Output shape: `[batch, H, W, channels]`.
    """

    def call(self, inputs, reference):
        size = tf.shape(reference)[1:3]
        resized = tf.image.resize(inputs, size, method="bilinear")
        return ops.cast(resized, inputs.dtype)

    def compute_output_shape(self, inputs_shape, reference_shape):
        return (inputs_shape[0], reference_shape[1], reference_shape[2], inputs_shape[3])
