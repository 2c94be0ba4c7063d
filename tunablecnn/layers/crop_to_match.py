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
    element by element, outside XNNPACK (in the flagship at 512x512, 1 thread: 28 ms, as long as a
    full-resolution convolution; as a slice 1.2 ms; benchmarks/results/op_profile_unet24*.md). A
    reference larger than `inputs` is an error (indexing clamped it silently).
    """

    def call(self, inputs, reference):
        shape = tf.shape(reference)
        batch, channels = (-1 if size is None else size for size in (inputs.shape[0], inputs.shape[-1]))
        return tf.slice(inputs, [0, 0, 0, 0], tf.stack([batch, shape[1], shape[2], channels]))  # static sizes kept

    def compute_output_shape(self, inputs_shape, reference_shape):
        return (inputs_shape[0], reference_shape[1], reference_shape[2], inputs_shape[3])
