import keras

from tunablecnn.layers.modulated_conv import ModulatedConv2D


@keras.saving.register_keras_serializable(package="tunablecnn")
class DNIConv2D(ModulatedConv2D):
    """Deep network interpolation: `W_alpha = (1 - alpha) W_A + alpha W_B`, in the graph.

    `W_A` is the base kernel (`self.kernel`), `W_B` (`kernel_b`) a second full copy that
    the tune stage initialises from `W_A` (`start_tuning`) and then fine-tunes at the end
    level. See `ModulatedConv2D` for the arguments and the exact two-kernel form.

    Reference: Wang et al., "Deep Network Interpolation for Continuous Imagery Effect
    Transition", CVPR 2019.
    """

    def _build_modulation(self, kernel_shape):
        self.kernel_b = self.add_weight(name="kernel_b", shape=kernel_shape, initializer="zeros")
        self.start_tuning()

    @property
    def modulation_weights(self):
        return [self.kernel_b]

    def start_tuning(self):
        """Set `W_B = W_A`; the tune stage starts from here, so alpha has no effect until it trains."""
        self.kernel_b.assign(self.kernel)

    def _kernel_delta(self):
        return self.kernel_b - self.kernel
