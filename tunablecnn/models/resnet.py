from tunablecnn.models.blocks import residual_block, stem
from tunablecnn.models.registry import BACKBONES


@BACKBONES.register("resnet")
def build_resnet(x, conv, *, filters, no_layers, kernel_size, batchnorm, activation, name):
    """Bias-free ResNet features: stem, then `no_layers` residual blocks at full resolution."""
    x = stem(x, conv, filters=filters, kernel_size=kernel_size, activation_kind=activation, name=name)
    for i in range(no_layers):
        x = residual_block(
            x, conv, kernel_size=kernel_size, batchnorm=batchnorm, activation_kind=activation, name=f"{name}_block{i}"
        )
    return x
