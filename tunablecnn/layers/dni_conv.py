import keras
from keras import ops

from tunablecnn.layers.modulated_conv import ModulatedConv2D


@keras.saving.register_keras_serializable(package="tunablecnn")
class DNIConv2D(ModulatedConv2D):
    """Deep network interpolation: `W_alpha = (1 - alpha) W_A + alpha W_B`, in the graph.

    `W_A` is the base kernel (`self.kernel`), `W_B` (`kernel_b`) a second full copy that
    the tune stage initialises from `W_A` (`start_tuning`) and then fine-tunes at the end
    level. See `ModulatedConv2D` for the arguments and the exact two-kernel form.

    With `rank=r` (below the full rank `min(k * k * c_in, filters)`), the tune stage learns
    the difference `D = W_B - W_A` as a product, as LoRA does: a k x k convolution to r
    channels (`kernel_down`) followed by a 1x1 convolution to `filters` (`kernel_up`, zero
    when tuning starts, so alpha has no effect until it trains). The alpha branch then costs
    about `r / filters` of the base convolution instead of all of it, in training and after
    export (two static convolutions, nothing computed at run time).

    Args:
        rank: Non-negative int, rank of the learned difference; 0 (or any value at or above
            the full rank) keeps the full second kernel.

    Reference: Wang et al., "Deep Network Interpolation for Continuous Imagery Effect
    Transition", CVPR 2019; Hu et al., "LoRA: Low-Rank Adaptation of Large Language
    Models", ICLR 2022.
    """

    def __init__(self, filters, kernel_size, rank=0, **kwargs):
        super().__init__(filters, kernel_size, **kwargs)
        if int(rank) < 0:
            raise ValueError(f"Expected rank >= 0. Received: rank={rank}")
        self.rank = int(rank)

    def _build_modulation(self, kernel_shape):
        k, _, channels, filters = kernel_shape
        self.low_rank = 0 < self.rank < min(k * k * channels, filters)
        if not self.low_rank:
            self.kernel_b = self.add_weight(name="kernel_b", shape=kernel_shape, initializer="zeros")
        else:
            self.kernel_down = self.add_weight(name="kernel_down", shape=(k, k, channels, self.rank),
                                               initializer="glorot_normal")
            self.kernel_up = self.add_weight(name="kernel_up", shape=(1, 1, self.rank, filters), initializer="zeros")
        self.start_tuning()

    @property
    def modulation_weights(self):
        return [self.kernel_down, self.kernel_up] if self.low_rank else [self.kernel_b]

    def start_tuning(self):
        """Make `W_B = W_A` (full: copy the kernel; low rank: zero `kernel_up`), so alpha has no effect yet."""
        if self.low_rank:
            self.kernel_up.assign(ops.zeros_like(self.kernel_up))
        else:
            self.kernel_b.assign(self.kernel)

    def _alpha_branch(self, inputs):
        if not self.low_rank:
            return super()._alpha_branch(inputs)
        down = ops.conv(inputs, ops.cast(self.kernel_down, inputs.dtype), self.strides, "same")
        return ops.conv(down, ops.cast(self.kernel_up, inputs.dtype), 1, "same")

    def _kernel_delta(self):
        if self.low_rank:
            return ops.einsum("xyir,rc->xyic", self.kernel_down, self.kernel_up[0, 0])
        return self.kernel_b - self.kernel

    def flops_per_output_pixel(self):
        if not self.low_rank:
            return super().flops_per_output_pixel()
        k, _, channels, filters = self.kernel.shape
        return 2 * k * k * channels * (filters + self.rank) + 2 * self.rank * filters + 2 * filters

    def get_config(self):
        return {**super().get_config(), "rank": self.rank}
