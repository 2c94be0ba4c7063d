"""The one place where the models create convolutions."""

import keras

from tunablecnn.models.modulation import MODULATIONS

# Keras' default strengths (0.01); loss.regularization scales their sum in the training loss.
_REGULARIZERS = {
    "none": lambda: None,
    "l1": lambda: keras.regularizers.L1(0.01),
    "l2": lambda: keras.regularizers.L2(0.01),
    "l1_l2": lambda: keras.regularizers.L1L2(l1=0.01, l2=0.01),
}


class ConvFactory:
    """Creates every convolution of a model: bias-free, with the config's initializer and regularizer.

    Backbones call `conv(x, filters, kernel_size, name=..., in_block=...)` instead of
    building `keras.layers.Conv2D` themselves, so one object decides how convolutions look
    and, for tunable models, which are modulated by `alpha` and how (`tunable.placement`
    and `tunable.type`). Multiscale backbones pass `conv.at_level(level)` to the code that
    works at a coarser level, so `tunable.from_level` can leave the finer levels unmodulated.
    """

    def __init__(self, *, kernel_initializer, kernel_regularizer, tunable=None, alpha=None, level=0):
        self.kernel_initializer = kernel_initializer
        self.kernel_regularizer = kernel_regularizer
        self.tunable = tunable
        self.alpha = alpha
        self.level = level

    def at_level(self, level):
        """The same factory for convolutions whose input is at resolution level `level` (0 = full)."""
        return ConvFactory(kernel_initializer=self.kernel_initializer, kernel_regularizer=self.kernel_regularizer,
                           tunable=self.tunable, alpha=self.alpha, level=level)

    def __call__(self, x, filters, kernel_size, *, strides=1, name, in_block=False, zero_init=False):
        options = dict(
            filters=filters,
            kernel_size=kernel_size,
            strides=strides,
            kernel_initializer="zeros" if zero_init else self.kernel_initializer,
            kernel_regularizer=_REGULARIZERS[self.kernel_regularizer](),
        )
        if not self._modulates(in_block):
            return keras.layers.Conv2D(padding="same", use_bias=False, name=name, **options)(x)
        method = MODULATIONS.get(self.tunable["type"])
        return method.modulated_conv(x, self.alpha, options, name=name, tunable=self.tunable)

    def _modulates(self, in_block):
        if self.tunable is None or self.level < self.tunable.get("from_level", 0):
            return False
        return in_block or self.tunable["placement"] == "all"
