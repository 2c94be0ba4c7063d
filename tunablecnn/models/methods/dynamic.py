"""`tunable.type: dynamic`: a plain convolution followed by a Dynamic-Net tuning block."""

import keras

from tunablecnn.layers import DynamicTuningBlock
from tunablecnn.models.modulation import register_method


@register_method("dynamic", options=("tuning_kernel_size", "tuning_depth"))
def dynamic_conv(x, alpha, conv_options, *, name, tuning_kernel_size, tuning_depth):
    """A plain bias-free convolution followed by a tuning block scaled by alpha."""
    y = keras.layers.Conv2D(padding="same", use_bias=False, name=name, **conv_options)(x)
    return DynamicTuningBlock(tuning_kernel_size, depth=tuning_depth, name=f"{name}_dynamic")(y, alpha)
