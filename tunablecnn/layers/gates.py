"""Scale-invariant multiplicative gates for gatenet blocks.

Each gate is computed from features divided by their per-sample root mean square and
applied to the unnormalized features, so `gate(c * x) == gate(x)` and the gated block
stays positively homogeneous. The gates' own convolutions are bias-free too.
"""

import keras
from keras import ops

from tunablecnn.layers.scale_statistics import scale_free


@keras.saving.register_keras_serializable(package="tunablecnn")
class ChannelGate(keras.layers.Layer):
    """Squeeze-and-excitation gate: `x * sigmoid(W2 relu(W1 mean_hw(x / rms(x))))`.

    Args:
        reduction: Positive int; the hidden layer has `channels // reduction` (at least 1) units.
        kernel_initializer: Initializer of both matrices.

    Input/Output shape: `[batch, height, width, channels]`, unchanged.
    """

    def __init__(self, reduction=4, kernel_initializer="glorot_normal", **kwargs):
        super().__init__(**kwargs)
        if int(reduction) < 1:
            raise ValueError(f"Expected reduction >= 1. Received: reduction={reduction}")
        self.reduction = int(reduction)
        self.kernel_initializer = kernel_initializer

    def build(self, input_shape):
        channels = input_shape[-1]
        hidden = max(1, channels // self.reduction)
        init = self.kernel_initializer
        self.squeeze = self.add_weight(name="squeeze", shape=(channels, hidden), initializer=init)
        self.excite = self.add_weight(name="excite", shape=(hidden, channels), initializer=init)

    def call(self, inputs):
        normalized = scale_free(inputs, axis=(1, 2, 3))
        pooled = ops.mean(normalized, axis=(1, 2))
        gate = ops.sigmoid(ops.matmul(ops.relu(ops.matmul(pooled, self.squeeze)), self.excite))
        return inputs * gate[:, None, None, :]

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "reduction": self.reduction, "kernel_initializer": self.kernel_initializer}


@keras.saving.register_keras_serializable(package="tunablecnn")
class PixelGate(keras.layers.Layer):
    """Spatial gate: `x * sigmoid(w . (x / rms(x)))`, one weight per channel, one gate per pixel.

    Args:
        kernel_initializer: Initializer of the 1x1 projection.

    Input/Output shape: `[batch, height, width, channels]`, unchanged.
    """

    def __init__(self, kernel_initializer="glorot_normal", **kwargs):
        super().__init__(**kwargs)
        self.kernel_initializer = kernel_initializer

    def build(self, input_shape):
        channels = input_shape[-1]
        self.projection = self.add_weight(name="projection", shape=(channels, 1), initializer=self.kernel_initializer)

    def call(self, inputs):
        normalized = scale_free(inputs, axis=(1, 2, 3))
        return inputs * ops.sigmoid(ops.matmul(normalized, self.projection))

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "kernel_initializer": self.kernel_initializer}
