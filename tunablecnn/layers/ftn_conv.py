import keras
from keras import ops

from tunablecnn.layers.modulated_conv import ModulatedConv2D


@keras.saving.register_keras_serializable(package="tunablecnn")
class FTNConv2D(ModulatedConv2D):
    """Convolution modulated by a filter transition network: `W_alpha = (1 - alpha) W + alpha FTN(W)`.

    FTN treats the kernel `W [k, k, c_in, c_out]` as `c_out` small images with `c_in`
    channels and maps it through `1x1 conv -> PReLU -> 1x1 conv` over `c_in` (grouped).
    Both 1x1 convolutions start as the identity and the PReLU slopes at 1, so a new layer
    gives `FTN(W) = W`: the output does not depend on alpha until the tune stage trains
    the FTN. Kernels are data-independent; `D = FTN(W) - W` is a constant after training.
    See `ModulatedConv2D` for the arguments and the exact two-kernel form.

    Args:
        groups: Positive int, groups of the 1x1 convolutions over input channels; must divide
            the input channels (checked in `build`: a silent cap would train another network).

    Raises:
        ValueError: in `build`, if `groups` does not divide the input channels.

    Reference: Lee et al., "Continuous Image Restoration via Filter Transition Network"
    (arXiv 2010.02270, 2020).
    """

    def __init__(self, filters, kernel_size, groups=1, **kwargs):
        super().__init__(filters, kernel_size, **kwargs)
        if int(groups) < 1:
            raise ValueError(f"Expected groups >= 1. Received: groups={groups}")
        self.groups = int(groups)

    def _build_modulation(self, kernel_shape):
        channels, groups = kernel_shape[2], self.groups
        if channels % groups:
            raise ValueError(
                f"Expected groups to divide the input channels. Received: groups={groups}, input channels={channels}"
            )
        size = channels // groups
        eye = lambda shape, dtype=None: ops.tile(ops.eye(size, dtype=dtype)[None], (groups, 1, 1))  # noqa: E731
        self.ftn_in = self.add_weight(name="ftn_in", shape=(groups, size, size), initializer=eye)
        self.ftn_slope = self.add_weight(name="ftn_slope", shape=(channels,), initializer="ones")
        self.ftn_out = self.add_weight(name="ftn_out", shape=(groups, size, size), initializer=eye)

    @property
    def modulation_weights(self):
        return [self.ftn_in, self.ftn_slope, self.ftn_out]

    def _kernel_delta(self):
        return self.transformed_kernel() - self.kernel

    def transformed_kernel(self):
        """FTN(W)."""
        k, _, channels, filters = self.kernel.shape
        groups, size, _ = self.ftn_in.shape
        w = ops.reshape(self.kernel, (k, k, groups, size, filters))
        h = ops.einsum("xygic,gij->xygjc", w, self.ftn_in)
        slope = ops.reshape(self.ftn_slope, (1, 1, groups, size, 1))
        h = ops.where(h >= 0, h, slope * h)
        out = ops.einsum("xygic,gij->xygjc", h, self.ftn_out)
        return ops.reshape(out, (k, k, channels, filters))

    def get_config(self):
        return {**super().get_config(), "groups": self.groups}
