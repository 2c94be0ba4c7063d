"""The one place where the models create convolutions."""

import keras

# Keras' default strengths (0.01); loss.regularization scales their sum in the training loss.
_REGULARIZERS = {
    "none": lambda: None,
    "l1": lambda: keras.regularizers.L1(0.01),
    "l2": lambda: keras.regularizers.L2(0.01),
    "l1_l2": lambda: keras.regularizers.L1L2(l1=0.01, l2=0.01),
}


class ConvFactory:
    """Creates every convolution of a model: bias-free, with the config's initializer and regularizer.

    Backbones call `conv(x, filters, kernel_size, name=...)` instead of building
    `keras.layers.Conv2D` themselves, so one object decides how convolutions look
    (and, for tunable models, how they are modulated).
    """

    def __init__(self, *, kernel_initializer, kernel_regularizer):
        self.kernel_initializer = kernel_initializer
        self.kernel_regularizer = kernel_regularizer

    def __call__(self, x, filters, kernel_size, *, strides=1, name):
        layer = keras.layers.Conv2D(
            filters,
            kernel_size,
            strides=strides,
            padding="same",
            use_bias=False,
            kernel_initializer=self.kernel_initializer,
            kernel_regularizer=_REGULARIZERS[self.kernel_regularizer](),
            name=name,
        )
        return layer(x)
