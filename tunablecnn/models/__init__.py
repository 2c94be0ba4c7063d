"""Model families; importing this module registers every backbone in `BACKBONES` and every method in `MODULATIONS`."""

from tunablecnn.models import gatenet, methods, resnet, sparse_resnet, unet  # noqa: F401  (registration)
from tunablecnn.models.alpha_map import with_alpha_map
from tunablecnn.models.build import build_model, is_scale_equivariant
from tunablecnn.models.registry import BACKBONES

__all__ = ["BACKBONES", "build_model", "is_scale_equivariant", "with_alpha_map"]
