import keras
from keras import ops


@keras.saving.register_keras_serializable(package="tunablecnn")
class StopGradient(keras.layers.Layer):
    """Identity in the forward pass; no gradient flows back through it (multiscale `stop_grads`)."""

    def call(self, inputs):
        return ops.stop_gradient(inputs)

    def compute_output_shape(self, input_shape):
        return input_shape
