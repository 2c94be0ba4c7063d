"""tunablecnn: bias-free, tunable image-restoration networks (TensorFlow 2.21 / Keras 3)."""


from tunablecnn.config import ConfigError, load_pipeline
from tunablecnn.inference import Denoiser, load_model
from tunablecnn.models import build_model
from tunablecnn.pretrained import list_models

__version__ = "0.1.0"

__all__ = ["ConfigError", "Denoiser", "build_model", "list_models", "load_model", "load_pipeline", "__version__"]
