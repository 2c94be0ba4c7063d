import keras
from keras import ops

from tunablecnn.layers.modulated_layer import ModulatedLayer


@keras.saving.register_keras_serializable(package="tunablecnn")
class AdaFM(ModulatedLayer):
    """Adaptive feature modification: a per-channel filter scaled by a runtime alpha.

    `y = x + alpha * (depthwise_conv(x, residual_filter) + bias)`, i.e. the filter
    `g_alpha = I + alpha * (g - I)` with `g = I + residual_filter`. The residual filter
    starts at zero, so a new layer is the identity for every alpha. alpha = 0 returns
    the input exactly (the base model), alpha = 1 the fully modulated map. Without bias
    the layer is linear in x, so bias-free models stay scale-equivariant. On device the
    alpha branch is one depthwise convolution (elementwise for kernel_size 1). Every weight
    is a modulation weight: the layer follows a plain convolution that the base stage trains.

    Args:
        kernel_size: 1, 3 or 5.
        use_bias: Add a learned per-channel bias in the alpha branch.

    Call arguments:
        inputs: `[batch, height, width, channels]`.
        alpha: `[batch, 1]`, each sample's own level in [0, 1], or a map `[batch, height, width, 1]`
            at the resolution of `inputs`, each pixel's own level (see `ModulatedLayer`).

    Example:
        >>> y = AdaFM(3)(np.ones((2, 8, 8, 4), "float32"), np.array([[0.0], [1.0]], "float32"))

    Reference: He et al., "Modulating Image Restoration with Continual Levels via Adaptive
    Feature Modification Layers", CVPR 2019.
    """

    def __init__(self, kernel_size=3, use_bias=False, **kwargs):
        super().__init__(**kwargs)
        if kernel_size not in (1, 3, 5):
            raise ValueError(f"Expected kernel_size 1, 3 or 5. Received: kernel_size={kernel_size}")
        self.kernel_size = kernel_size
        self.use_bias = bool(use_bias)

    def build(self, inputs_shape, alpha_shape):
        channels, k = inputs_shape[-1], self.kernel_size
        self.residual_filter = self.add_weight(name="residual_filter", shape=(k, k, channels, 1), initializer="zeros")
        self.bias = self.add_weight(name="bias", shape=(channels,), initializer="zeros") if self.use_bias else None

    def call(self, inputs, alpha):
        a = self._alpha_like(alpha, inputs)
        branch = ops.depthwise_conv(inputs, self.residual_filter, strides=1, padding="same")
        if self.bias is not None:
            branch = branch + self.bias
        return inputs + a * branch

    def compute_output_shape(self, inputs_shape, alpha_shape):
        return inputs_shape

    @property
    def modulation_weights(self):
        return self.weights

    def flops_per_output_pixel(self):
        k, _, channels, _ = self.residual_filter.shape
        return 2 * channels * (k * k + 1)  # the depthwise branch and the alpha blend

    def get_config(self):
        return {**super().get_config(), "kernel_size": self.kernel_size, "use_bias": self.use_bias}
