import keras
import tensorflow as tf


@keras.saving.register_keras_serializable(package="tunablecnn")
class CropToMatch(keras.layers.Layer):
    """Crop `inputs` at the bottom/right to the height and width of `reference`; undoes `PadToMultiple`.

    Call arguments:
        inputs: `[batch, H', W', channels]` with H' >= H, W' >= W.
        reference: `[batch, H, W, any]`.

    Output shape: `[batch, H, W, channels]`.

    `tf.slice` rather than `inputs[:, :H, :W]`: TFLite runs the strided slice that indexing becomes
    element by element (39 ms for a 512x512x24 map on this machine's CPU, as long as a 24-channel
    convolution), the slice row by row (1.7 ms); benchmarks/op_profile.py found it.
    """

    def call(self, inputs, reference):
        shape = tf.shape(reference)
        channels = inputs.shape[-1] if inputs.shape[-1] is not None else -1  # static, for the layers after
        return tf.slice(inputs, [0, 0, 0, 0], tf.stack([-1, shape[1], shape[2], channels]))

    def compute_output_shape(self, inputs_shape, reference_shape):
        return (inputs_shape[0], reference_shape[1], reference_shape[2], inputs_shape[3])
