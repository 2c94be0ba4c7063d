from tunablecnn.layers import ChannelGate, PixelGate
from tunablecnn.models.blocks import residual_block, stem
from tunablecnn.models.registry import BACKBONES


@BACKBONES.register("gatenet")
def build_gatenet(x, conv, *, filters, no_layers, kernel_size, batchnorm, activation, gate_reduction, name):
    """ResNet whose block outputs are multiplied by a channel gate and a pixel gate before the skip."""
    x = stem(x, conv, filters=filters, kernel_size=kernel_size, activation_kind=activation, name=name)
    for i in range(no_layers):
        block = f"{name}_block{i}"
        channel_gate = ChannelGate(gate_reduction, conv.kernel_initializer, name=f"{block}_channel_gate")
        pixel_gate = PixelGate(conv.kernel_initializer, name=f"{block}_pixel_gate")
        x = residual_block(
            x, conv, kernel_size=kernel_size, batchnorm=batchnorm, activation_kind=activation, name=block,
            before_skip=lambda y, cg=channel_gate, pg=pixel_gate: pg(cg(y)),
        )
    return x
