"""`tunable.type: dni`: convolutions interpolating two kernel sets."""

from tunablecnn.layers import DNIConv2D
from tunablecnn.models.modulation import register_method


@register_method("dni", options=("rank",))
def dni_conv(x, alpha, conv_options, *, name, rank):
    """A DNI convolution: kernel `W_A` trained in the base stage, `W_B` (or a rank-`rank` difference) in the tune stage."""
    return DNIConv2D(rank=rank, name=name, **conv_options)(x, alpha)
