import keras
from keras import ops

from tunablecnn.layers.scale_statistics import scale_free


@keras.saving.register_keras_serializable(package="tunablecnn")
class Sparsify(keras.layers.Layer):
    """Keep only features that stand out from their channel's per-sample statistics.

    With `s` the per-sample, per-channel root mean square over height and width, the
    output is `x * min(max(|x| / s - threshold, 0), 1)`: features within `threshold`
    deviations are zeroed, features more than `threshold + 1` deviations pass unchanged,
    and a linear ramp in between keeps gradients. The mask depends on `x / s` only, so
    the layer is positively homogeneous: `f(c * x) = c * f(x)` for c > 0.

    Args:
        threshold: Non-negative float, in units of the per-sample deviation.

    Input/Output shape: `[batch, height, width, channels]`, unchanged.

    Example:
        >>> y = Sparsify(threshold=1.0)(np.random.randn(1, 8, 8, 4).astype("float32"))
    """

    def __init__(self, threshold=1.0, **kwargs):
        super().__init__(**kwargs)
        if threshold < 0:
            raise ValueError(f"Expected threshold >= 0. Received: threshold={threshold}")
        self.threshold = float(threshold)

    def call(self, inputs):
        mask = ops.clip(ops.abs(scale_free(inputs, axis=(1, 2))) - self.threshold, 0.0, 1.0)
        return inputs * mask

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "threshold": self.threshold}
