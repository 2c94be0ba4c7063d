import keras
from keras import ops

from tunablecnn.layers.modulated_layer import ModulatedLayer


@keras.saving.register_keras_serializable(package="tunablecnn")
class DynamicTuningBlock(ModulatedLayer):
    """Dynamic-Net tuning block after a convolution: `y + alpha * T(y)`.

    `T` is `depth` bias-free convolutions (`kernel_size`, as many filters as `y` has channels)
    with ReLU between them. Its last convolution starts at zero, so a new block returns `y`
    for every alpha and the tune stage starts from the base model; the others start
    He-normal. alpha = 0 returns the input exactly (the base model), alpha = 1 the tuned
    features `y + T(y)`. Every weight is a modulation weight: the block follows a plain
    convolution that the base stage trains. `T` is positively homogeneous, so bias-free
    models stay scale-equivariant at every alpha.

    Args:
        kernel_size: 1, 3 or 5.
        depth: 1, 2 or 3 convolutions in `T` (Dynamic-Net's tuning blocks have 3).

    Call arguments:
        inputs: `[batch, height, width, channels]`.
        alpha: `[batch, 1]`, each sample's own level in [0, 1], or a map `[batch, height, width, 1]`
            at the resolution of `inputs`, each pixel's own level (see `ModulatedLayer`).

    Raises:
        ValueError: for a `kernel_size` or `depth` outside the allowed values.

    Example:
        >>> y = DynamicTuningBlock(3)(np.ones((2, 8, 8, 4), "float32"), np.array([[0.0], [1.0]], "float32"))

    Reference: Shoshan et al., "Dynamic-Net: Tuning the Objective Without Re-training for
    Synthesis Tasks", ICCV 2019.
    """

    def __init__(self, kernel_size=3, depth=1, **kwargs):
        super().__init__(**kwargs)
        if kernel_size not in (1, 3, 5):
            raise ValueError(f"Expected kernel_size 1, 3 or 5. Received: kernel_size={kernel_size}")
        if depth not in (1, 2, 3):
            raise ValueError(f"Expected depth 1, 2 or 3. Received: depth={depth}")
        self.kernel_size = kernel_size
        self.depth = depth

    def build(self, inputs_shape, alpha_shape):
        channels, k = inputs_shape[-1], self.kernel_size
        self.tuning_kernels = [
            self.add_weight(name=f"tuning_kernel{i}", shape=(k, k, channels, channels),
                            initializer="zeros" if i == self.depth - 1 else "he_normal")
            for i in range(self.depth)
        ]

    def call(self, inputs, alpha):
        branch = inputs
        for i, kernel in enumerate(self.tuning_kernels):
            branch = ops.relu(branch) if i else branch
            branch = ops.conv(branch, ops.cast(kernel, inputs.dtype), 1, "same")
        return inputs + self._alpha_like(alpha, inputs) * branch

    def compute_output_shape(self, inputs_shape, alpha_shape):
        return inputs_shape

    @property
    def modulation_weights(self):
        return self.weights

    def flops_per_output_pixel(self):
        k, _, channels, _ = self.tuning_kernels[0].shape
        return self.depth * 2 * k * k * channels * channels + 2 * channels  # T, then the alpha blend

    def get_config(self):
        return {**super().get_config(), "kernel_size": self.kernel_size, "depth": self.depth}
