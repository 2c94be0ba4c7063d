"""`tunable.type: dni`: convolutions interpolating two kernel sets."""

from tunablecnn.layers import DNIConv2D
from tunablecnn.models.modulation import register_method


@register_method("dni")
def dni_conv(x, alpha, conv_options, *, name):
    """A DNI convolution: kernel `W_A` trained in the base stage, `W_B` in the tune stage."""
    return DNIConv2D(name=name, **conv_options)(x, alpha)
