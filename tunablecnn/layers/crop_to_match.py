import keras
import tensorflow as tf


@keras.saving.register_keras_serializable(package="tunablecnn")
class CropToMatch(keras.layers.Layer):
    """Crop `inputs` at the bottom/right to the height and width of `reference`; undoes `PadToMultiple`.

    Call arguments:
        inputs: `[batch, H', W', channels]` with H' >= H, W' >= W.
        reference: `[batch, H, W, any]`.

    Output shape: `[batch, H, W, channels]`.
    """

    def call(self, inputs, reference):
        shape = tf.shape(reference)
        return inputs[:, : shape[1], : shape[2], :]

    def compute_output_shape(self, inputs_shape, reference_shape):
        return (inputs_shape[0], reference_shape[1], reference_shape[2], inputs_shape[3])
