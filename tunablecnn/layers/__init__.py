"""Custom Keras layers of tunablecnn; importing this module registers them for deserialization."""

from tunablecnn.layers.ada_fm import AdaFM
from tunablecnn.layers.bias_free_batch_norm import BiasFreeBatchNorm
from tunablecnn.layers.cfs_net_coupling import CFSNetCoupling
from tunablecnn.layers.crop_to_match import CropToMatch
from tunablecnn.layers.depth_to_space import DepthToSpace
from tunablecnn.layers.dni_conv import DNIConv2D
from tunablecnn.layers.dynamic_tuning_block import DynamicTuningBlock
from tunablecnn.layers.ftn_conv import FTNConv2D
from tunablecnn.layers.gates import ChannelGate, PixelGate
from tunablecnn.layers.gaussian_pyramid import GaussianPyramid
from tunablecnn.layers.local_normalization import LocalNormalization
from tunablecnn.layers.modulated_conv import ModulatedConv2D
from tunablecnn.layers.modulated_layer import ModulatedLayer
from tunablecnn.layers.pad_to_multiple import PadToMultiple
from tunablecnn.layers.pool_to_match import PoolToMatch
from tunablecnn.layers.resize_to_match import ResizeToMatch
from tunablecnn.layers.sparsify import Sparsify
from tunablecnn.layers.stop_gradient import StopGradient

__all__ = [
    "AdaFM",
    "BiasFreeBatchNorm",
    "CFSNetCoupling",
    "ChannelGate",
    "CropToMatch",
    "DepthToSpace",
    "DNIConv2D",
    "DynamicTuningBlock",
    "FTNConv2D",
    "GaussianPyramid",
    "LocalNormalization",
    "ModulatedConv2D",
    "ModulatedLayer",
    "PadToMultiple",
    "PixelGate",
    "PoolToMatch",
    "ResizeToMatch",
    "Sparsify",
    "StopGradient",
]
