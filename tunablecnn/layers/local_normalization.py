import keras
from keras import ops

from tunablecnn.layers.scale_statistics import TINY


@keras.saving.register_keras_serializable(package="tunablecnn")
class LocalNormalization(keras.layers.Layer):
    """Local mean/std normalization that the model undoes at its output.

    Returns `[z, mean, std]` with `mean` the per-channel mean over a `window x window`
    neighbourhood (borders average only pixels inside the image),
    `std = sqrt(local variance + epsilon * mean(x^2))` where `mean(x^2)` is taken over the
    whole sample, and `z = (x - mean) / std`. The model runs on `z` and returns
    `f(z) * std + mean`. The floor `epsilon * mean(x^2)` keeps `z` bounded on flat regions and,
    unlike a fixed epsilon, scales with the input, so `mean` and `std` scale exactly with x, `z`
    does not change, and the whole stays scale-equivariant at every brightness and contrast.
    The local variance is computed from the sample minus its global mean (the same variance,
    without the float32 cancellation of `E[x^2] - E[x]^2` on near-flat images).

    Args:
        window: Odd int >= 3.
        epsilon: Non-negative float; floor of the local variance relative to the sample's mean square.

    Returns: three tensors of the input's shape.
    """

    def __init__(self, window=5, epsilon=1e-6, **kwargs):
        super().__init__(**kwargs)
        if int(window) < 3 or int(window) % 2 == 0:
            raise ValueError(f"Expected an odd window >= 3. Received: window={window}")
        if epsilon < 0:
            raise ValueError(f"Expected epsilon >= 0. Received: epsilon={epsilon}")
        self.window = int(window)
        self.epsilon = float(epsilon)

    def call(self, inputs):
        x = ops.cast(inputs, "float32")
        offset = ops.mean(x, axis=(1, 2, 3), keepdims=True)
        centered = x - offset
        local_mean = self._pool(centered)
        variance = ops.relu(self._pool(ops.square(centered)) - ops.square(local_mean))
        floor = self.epsilon * ops.mean(ops.square(x), axis=(1, 2, 3), keepdims=True)
        std = ops.sqrt(ops.maximum(variance + floor, TINY))
        outputs = ((centered - local_mean) / std, local_mean + offset, std)
        return [ops.cast(t, self.compute_dtype) for t in outputs]

    def compute_output_shape(self, input_shape):
        return [input_shape] * 3

    def get_config(self):
        return {**super().get_config(), "window": self.window, "epsilon": self.epsilon}

    def _pool(self, t):
        return ops.average_pool(t, self.window, strides=1, padding="same")
