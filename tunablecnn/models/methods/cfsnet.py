"""`tunable.type: cfsnet`: a plain convolution coupled with a tuning branch beside it (CFSNet)."""

import keras

from tunablecnn.layers import CFSNetCoupling
from tunablecnn.models.modulation import register_method


@register_method("cfsnet")
def cfsnet_conv(x, alpha, conv_options, *, name):
    """A plain bias-free convolution of `x` (the main branch) coupled with a tuning branch on `x`."""
    main = keras.layers.Conv2D(padding="same", use_bias=False, name=name, **conv_options)(x)
    coupling = CFSNetCoupling(conv_options["kernel_size"], strides=conv_options["strides"], name=f"{name}_cfsnet")
    return coupling(x, main, alpha)
