"""tunablecnn: bias-free, tunable image-restoration networks (TensorFlow 2.21 / Keras 3)."""

from tunablecnn import cli

cli.quiet_start()  # first: `python -m tunablecnn.X` imports TensorFlow here, with its start-up noise filtered

from tunablecnn.config import ConfigError, load_pipeline  # noqa: E402
from tunablecnn.inference import Denoiser, load_model  # noqa: E402
from tunablecnn.model_folder import list_models  # noqa: E402
from tunablecnn.models import build_model  # noqa: E402
from tunablecnn.restore import restore  # noqa: E402  (the function; the package stays importable as a module)
from tunablecnn.version import __version__  # noqa: E402

__all__ = ["ConfigError", "Denoiser", "build_model", "list_models", "load_model", "load_pipeline", "restore", "__version__"]
