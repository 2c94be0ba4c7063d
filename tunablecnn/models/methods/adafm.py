"""`tunable.type: adafm`: a plain convolution followed by an AdaFM layer."""

import keras

from tunablecnn.layers import AdaFM
from tunablecnn.models.modulation import register_method


@register_method("adafm", options=("kernel_size", "bias"), scale_equivariant=lambda tunable: not tunable["bias"])
def adafm_conv(x, alpha, conv_options, *, name, kernel_size, bias):
    """A plain bias-free convolution followed by an AdaFM layer."""
    y = keras.layers.Conv2D(padding="same", use_bias=False, name=name, **conv_options)(x)
    return AdaFM(kernel_size, use_bias=bias, name=f"{name}_adafm")(y, alpha)
