import keras

from tunablecnn.layers import CropToMatch, DepthToSpace, PadToMultiple
from tunablecnn.models.blocks import residual_block, stem
from tunablecnn.models.registry import BACKBONES


@BACKBONES.register("unet")
def build_unet(x, conv, *, filters, no_layers, kernel_size, batchnorm, activation, depth, name):
    """Bias-free DRUNet-like U-Net: `no_layers` residual blocks per scale, `depth` 2x downsamplings.

    Downsampling is a 2x2 stride-2 convolution, upsampling a 1x1 convolution to 4x the
    channels followed by depth-to-space; skips are added. The input is zero-padded to a
    multiple of 2^depth and the features cropped back, so any H x W works.
    """
    image = x
    x = PadToMultiple(2**depth, name=f"{name}_pad")(x)
    x = stem(x, conv, filters=filters, kernel_size=kernel_size, activation_kind=activation, name=name)
    blocks = dict(kernel_size=kernel_size, batchnorm=batchnorm, activation_kind=activation)
    skips = []
    for level in range(depth):  # a convolution's level is its input's: 0 full resolution, depth the bottom
        x = _blocks(x, conv.at_level(level), no_layers, name=f"{name}_down{level}", **blocks)
        skips.append(x)
        x = conv.at_level(level)(x, filters * 2 ** (level + 1), 2, strides=2, name=f"{name}_down{level}_stride")
    x = _blocks(x, conv.at_level(depth), no_layers, name=f"{name}_bottom", **blocks)
    for level in reversed(range(depth)):
        x = conv.at_level(level + 1)(x, 4 * filters * 2**level, 1, name=f"{name}_up{level}_expand")
        x = DepthToSpace(2, name=f"{name}_up{level}_shuffle")(x)
        x = keras.layers.Add(name=f"{name}_up{level}_skip")([x, skips[level]])
        x = _blocks(x, conv.at_level(level), no_layers, name=f"{name}_up{level}", **blocks)
    return CropToMatch(name=f"{name}_crop")(x, image)


def _blocks(x, conv, count, *, name, **block_options):
    for i in range(count):
        x = residual_block(x, conv, name=f"{name}_block{i}", **block_options)
    return x
