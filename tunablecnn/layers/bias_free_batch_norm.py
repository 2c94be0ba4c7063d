import keras
from keras import ops


@keras.saving.register_keras_serializable(package="tunablecnn")
class BiasFreeBatchNorm(keras.layers.Layer):
    """Batch normalization without any additive term: `y = gamma * x / sqrt(var + epsilon)`.

    Keras' `BatchNormalization(center=False)` drops beta but still subtracts the mean,
    which adds a constant and breaks scale equivariance. This layer only divides by the
    standard deviation (batch statistics in training, the moving variance in inference),
    so at inference it is linear and `f(c * x) = c * f(x)` for every c. As in Keras'
    `BatchNormalization`, a frozen layer (`trainable=False`) always uses the moving
    variance, so a frozen base network computes the same function while tuning.

    Args:
        momentum: Momentum of the moving variance, in [0, 1). 0.9 (PyTorch's default; Keras uses
            0.99) lets the inference statistics catch up within tens of steps, which matters for
            the short runs a CPU affords.
        epsilon: Small float added to the variance.

    Call arguments:
        inputs: Tensor `[..., channels]`.
        training: If the layer is also trainable, use batch statistics and update the moving variance.

    Input/Output shape: any shape with a known last axis; the output has the input's shape.

    Example:
        >>> layer = BiasFreeBatchNorm()
        >>> y = layer(np.ones((2, 8, 8, 4), "float32"))
    """

    def __init__(self, momentum=0.9, epsilon=1e-3, **kwargs):
        super().__init__(**kwargs)
        if not 0.0 <= momentum < 1.0:
            raise ValueError(f"Expected momentum in [0, 1). Received: momentum={momentum}")
        if epsilon <= 0:
            raise ValueError(f"Expected epsilon > 0. Received: epsilon={epsilon}")
        self.momentum = float(momentum)
        self.epsilon = float(epsilon)

    def build(self, input_shape):
        channels = input_shape[-1]
        if channels is None:
            raise ValueError(f"Expected a known channel axis. Received: input_shape={input_shape}")
        self.gamma = self.add_weight(name="gamma", shape=(channels,), initializer="ones")
        self.moving_variance = self.add_weight(
            name="moving_variance", shape=(channels,), initializer="ones", trainable=False, autocast=False,
            aggregation="mean",  # replicas of a distributed run each update it; keep their mean
        )

    def call(self, inputs, training=None):
        x = ops.cast(inputs, "float32")
        if training and self.trainable:
            variance = ops.var(x, axis=list(range(len(x.shape) - 1)))
            m = self.momentum
            self.moving_variance.assign(m * self.moving_variance + (1.0 - m) * variance)
        else:
            variance = self.moving_variance
        scale = ops.cast(self.gamma, "float32") * ops.rsqrt(variance + self.epsilon)
        return ops.cast(x * scale, self.compute_dtype)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "momentum": self.momentum, "epsilon": self.epsilon}
