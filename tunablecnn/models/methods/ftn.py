"""`tunable.type: ftn`: convolutions modulated by a filter transition network."""

from tunablecnn.config import ConfigError
from tunablecnn.layers import FTNConv2D
from tunablecnn.models.modulation import register_method


@register_method("ftn", options=("groups",))
def ftn_conv(x, alpha, conv_options, *, name, groups):
    """An FTN-modulated convolution; `tunable.groups` must divide its input channels (no silent cap)."""
    channels = x.shape[-1]
    if channels % groups:
        raise ConfigError([
            f"tunable.groups: {groups} does not divide the {channels} input channel(s) of layer '{name}'; "
            "choose groups that divide the input channels of every modulated convolution (1 always does)"
        ])
    return FTNConv2D(groups=groups, name=name, **conv_options)(x, alpha)
