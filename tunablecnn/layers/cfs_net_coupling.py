import keras
from keras import ops

from tunablecnn.layers.modulated_layer import ModulatedLayer


@keras.saving.register_keras_serializable(package="tunablecnn")
class CFSNetCoupling(ModulatedLayer):
    """CFSNet coupling of one convolution: `main + alpha * coupling * (branch(inputs) - main)`.

    `main` is the output of a plain convolution of `inputs` that the base stage trains. The
    tuning branch runs beside it on the same input, `branch(x) = conv1x1(relu(conv_k(x)))`
    with `conv_k` shaped like the main convolution (same kernel size and stride, as many
    filters), and the two are coupled per output channel with the coefficient
    `c(alpha) = alpha * coupling`: alpha = 0 returns `main` exactly (the base model), alpha = 1
    the coupled features `(1 - coupling) * main + coupling * branch`. `coupling` starts at zero,
    so a new layer returns `main` for every alpha and the tune stage starts from the base
    model. Every weight is a modulation weight. The branch has no bias and a homogeneous
    activation, so bias-free models stay scale-equivariant at every alpha.

    CFSNet maps the control scalar to per-channel coefficients through bias-free linear layers
    (official code), i.e. `alpha` times a learned vector per block: the same function as
    `alpha * coupling` here, with the vector learned directly.

    Args:
        kernel_size: Positive int, the main convolution's kernel size (the branch's first convolution).
        strides: Positive int, the main convolution's stride.

    Call arguments:
        inputs: `[batch, height, width, in_channels]`, the main convolution's input.
        main: `[batch, height / strides, width / strides, filters]`, the main convolution's output.
        alpha: `[batch, 1]`, each sample's own level in [0, 1], or a map `[batch, height, width, 1]`
            at the resolution of `inputs`, each pixel's own level (see `ModulatedLayer`).

    Returns:
        A tensor shaped like `main`.

    Raises:
        ValueError: for a non-positive `kernel_size` or `strides`, or (in `build`) a `main` whose
            height or width is not the strided size of `inputs`.

    Example:
        >>> x = np.ones((2, 8, 8, 3), "float32")
        >>> y = CFSNetCoupling(3)(x, np.ones((2, 8, 8, 4), "float32"), np.array([[0.0], [1.0]], "float32"))

    Reference: Wang et al., "CFSNet: Toward a Controllable Feature Space for Image Restoration",
    ICCV 2019.
    """

    def __init__(self, kernel_size, strides=1, **kwargs):
        super().__init__(**kwargs)
        if int(kernel_size) < 1 or int(strides) < 1:
            raise ValueError(
                f"Expected positive kernel_size and strides. Received: kernel_size={kernel_size}, strides={strides}"
            )
        self.kernel_size, self.strides = int(kernel_size), int(strides)

    def build(self, inputs_shape, main_shape, alpha_shape):
        for axis in (1, 2):
            size, expected = inputs_shape[axis], main_shape[axis]
            if size is not None and expected is not None and -(-size // self.strides) != expected:
                raise ValueError(
                    f"Expected main to have the strided size of inputs. Received: inputs shape={inputs_shape}, "
                    f"main shape={main_shape}, strides={self.strides}"
                )
        channels, filters, k = inputs_shape[-1], main_shape[-1], self.kernel_size
        self.branch_kernel = self.add_weight(name="branch_kernel", shape=(k, k, channels, filters),
                                             initializer="he_normal")
        self.branch_projection = self.add_weight(name="branch_projection", shape=(1, 1, filters, filters),
                                                 initializer="glorot_normal")
        self.coupling = self.add_weight(name="coupling", shape=(filters,), initializer="zeros")

    def call(self, inputs, main, alpha):
        cast = lambda weight: ops.cast(weight, inputs.dtype)  # noqa: E731
        hidden = ops.relu(ops.conv(inputs, cast(self.branch_kernel), self.strides, "same"))
        branch = ops.conv(hidden, cast(self.branch_projection), 1, "same")
        coefficient = self._alpha_like(alpha, inputs, self.strides) * cast(self.coupling)
        return main + coefficient * (branch - main)

    def compute_output_shape(self, inputs_shape, main_shape, alpha_shape):
        return main_shape

    @property
    def modulation_weights(self):
        return self.weights

    def flops_per_output_pixel(self):
        k, _, channels, filters = self.branch_kernel.shape
        branch = 2 * k * k * channels * filters + 2 * filters * filters
        return branch + 3 * filters  # the branch, then subtract, scale by the coefficient and add

    def get_config(self):
        return {**super().get_config(), "kernel_size": self.kernel_size, "strides": self.strides}
