import keras
from keras import ops

from tunablecnn.layers.modulated_layer import ModulatedLayer


class ModulatedConv2D(ModulatedLayer):
    """Bias-free convolution whose kernel moves with alpha: `W_alpha = W + alpha * D`.

    Base class of `FTNConv2D` and `DNIConv2D`, which define the kernel difference `D`
    (`_kernel_delta`). Because the convolution is linear in the kernel,
    `conv(x, W_alpha) = conv(x, W) + alpha * conv(x, D)`: this form is exact, gives every
    sample its own alpha, and keeps both kernels static once exported (TFLite's XNNPACK
    does not accelerate convolutions whose kernel is computed at run time). The two
    convolutions stay separate: one convolution over the concatenated kernels would need
    two slices of its output, which cost more on device than they save. The form is exact
    for an alpha map too: at each output pixel p, `conv(x, W + a(p) D)(p) = conv(x, W)(p) +
    a(p) conv(x, D)(p)`, the map average-pooled to the output when `strides > 1`.

    Args:
        filters, kernel_size, strides: As `keras.layers.Conv2D` (padding is "same", no bias).
        kernel_initializer, kernel_regularizer: For the base kernel `W`.

    Call arguments:
        inputs: `[batch, height, width, channels]`; alpha: `[batch, 1]` or a map
            `[batch, height, width, 1]` at the resolution of `inputs` (see `ModulatedLayer`).

    The base kernel is `self.kernel`; `modulation_weights` are the ones the tune stage trains.
    """

    def __init__(self, filters, kernel_size, strides=1, kernel_initializer="glorot_normal", kernel_regularizer=None,
                 **kwargs):
        super().__init__(**kwargs)
        if int(filters) < 1 or int(kernel_size) < 1 or int(strides) < 1:
            raise ValueError(
                f"Expected positive filters, kernel_size and strides. Received: filters={filters}, "
                f"kernel_size={kernel_size}, strides={strides}"
            )
        self.filters, self.kernel_size, self.strides = int(filters), int(kernel_size), int(strides)
        self.kernel_initializer = keras.initializers.get(kernel_initializer)
        self.kernel_regularizer = keras.regularizers.get(kernel_regularizer)

    def build(self, inputs_shape, alpha_shape):
        shape = (self.kernel_size, self.kernel_size, inputs_shape[-1], self.filters)
        self.kernel = self.add_weight(
            name="kernel", shape=shape, initializer=self.kernel_initializer, regularizer=self.kernel_regularizer
        )
        self._build_modulation(shape)

    def call(self, inputs, alpha):
        a = self._alpha_like(alpha, inputs, self.strides)
        return ops.conv(inputs, ops.cast(self.kernel, inputs.dtype), self.strides, "same") + a * self._alpha_branch(inputs)

    def _alpha_branch(self, inputs):
        """`conv(inputs, D)`; a subclass may compute it more cheaply (a low-rank `D`)."""
        return ops.conv(inputs, ops.cast(self._kernel_delta(), inputs.dtype), self.strides, "same")

    def compute_output_shape(self, inputs_shape, alpha_shape):
        b, h, w, _ = inputs_shape
        shrink = lambda size: None if size is None else -(-size // self.strides)  # noqa: E731
        return (b, shrink(h), shrink(w), self.filters)

    def kernel_at(self, alpha):
        """The effective kernel `W + alpha * D` for a scalar alpha (for checks and export)."""
        return self.kernel + alpha * self._kernel_delta()

    def flops_per_output_pixel(self):
        conv = 2 * self.kernel_size**2 * self.kernel.shape[2] * self.filters
        return 2 * conv + 2 * self.filters  # two static convolutions and the alpha blend

    def get_config(self):
        return {
            **super().get_config(),
            "filters": self.filters,
            "kernel_size": self.kernel_size,
            "strides": self.strides,
            "kernel_initializer": keras.initializers.serialize(self.kernel_initializer),
            "kernel_regularizer": keras.regularizers.serialize(self.kernel_regularizer),
        }
