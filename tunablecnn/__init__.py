"""tunablecnn: bias-free, tunable image-restoration networks (TensorFlow 2.21 / Keras 3)."""


from tunablecnn.config import ConfigError, load_pipeline
from tunablecnn.models import build_model

__version__ = "0.1.0"

__all__ = ["ConfigError", "build_model", "load_pipeline", "__version__"]
