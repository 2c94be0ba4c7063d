import keras
from keras import ops


@keras.saving.register_keras_serializable(package="tunablecnn")
class LocalNormalization(keras.layers.Layer):
    """Local mean/std normalization that the model undoes at its output.

    Returns `[z, mean, std]` with `mean` and `std` the per-channel statistics over a
    `window x window` neighbourhood (borders average only pixels inside the image) and
    `z = (x - mean) / std`. The model runs on `z` and returns `f(z) * std + mean`; since
    `mean` and `std` scale with x and `z` does not, the whole stays scale-equivariant
    (exactly so when the local variance is large against `epsilon`).

    Args:
        window: Odd int >= 3.
        epsilon: Added to the local variance.

    Returns: three tensors of the input's shape.
    """

    def __init__(self, window=5, epsilon=1e-6, **kwargs):
        super().__init__(**kwargs)
        if int(window) < 3 or int(window) % 2 == 0:
            raise ValueError(f"Expected an odd window >= 3. Received: window={window}")
        self.window = int(window)
        self.epsilon = float(epsilon)

    def call(self, inputs):
        x = ops.cast(inputs, "float32")
        pool = lambda t: ops.average_pool(t, self.window, strides=1, padding="same")  # noqa: E731
        mean = pool(x)
        variance = ops.relu(pool(ops.square(x)) - ops.square(mean))
        std = ops.sqrt(variance + self.epsilon)
        outputs = ((x - mean) / std, mean, std)
        return [ops.cast(t, self.compute_dtype) for t in outputs]

    def compute_output_shape(self, input_shape):
        return [input_shape] * 3

    def get_config(self):
        return {**super().get_config(), "window": self.window, "epsilon": self.epsilon}
