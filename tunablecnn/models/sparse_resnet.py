from tunablecnn.layers import Sparsify
from tunablecnn.models.blocks import residual_block, stem
from tunablecnn.models.registry import BACKBONES


@BACKBONES.register("sparse_resnet")
def build_sparse_resnet(x, conv, *, filters, no_layers, kernel_size, batchnorm, activation, sparsity_threshold, name):
    """ResNet whose blocks keep only features beyond `sparsity_threshold` per-sample deviations."""
    x = stem(x, conv, filters=filters, kernel_size=kernel_size, activation_kind=activation, name=name)
    for i in range(no_layers):
        block = f"{name}_block{i}"
        sparsify = Sparsify(sparsity_threshold, name=f"{block}_sparsify")
        x = residual_block(
            x, conv, kernel_size=kernel_size, batchnorm=batchnorm, activation_kind=activation, name=block,
            after_activation=sparsify,
        )
    return x
