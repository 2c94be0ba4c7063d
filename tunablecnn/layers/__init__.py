"""Custom Keras layers of tunablecnn; importing this module registers them for deserialization."""

from tunablecnn.layers.bias_free_batch_norm import BiasFreeBatchNorm
from tunablecnn.layers.crop_to_match import CropToMatch
from tunablecnn.layers.depth_to_space import DepthToSpace
from tunablecnn.layers.gates import ChannelGate, PixelGate
from tunablecnn.layers.gaussian_pyramid import GaussianPyramid
from tunablecnn.layers.local_normalization import LocalNormalization
from tunablecnn.layers.pad_to_multiple import PadToMultiple
from tunablecnn.layers.resize_to_match import ResizeToMatch
from tunablecnn.layers.sparsify import Sparsify
from tunablecnn.layers.stop_gradient import StopGradient

__all__ = [
    "BiasFreeBatchNorm",
    "ChannelGate",
    "CropToMatch",
    "DepthToSpace",
    "GaussianPyramid",
    "LocalNormalization",
    "PadToMultiple",
    "PixelGate",
    "ResizeToMatch",
    "Sparsify",
    "StopGradient",
]
