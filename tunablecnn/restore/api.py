"""`tunablecnn.restore(image, task=...)`: plug-and-play restoration with a denoiser as the prior."""

import numpy as np

from tunablecnn.inference import Denoiser, load_model
from tunablecnn.restore.hqs import hqs, schedule
from tunablecnn.restore.prior import DenoisingPrior
from tunablecnn.restore.tasks import DEFAULTS, RestoreError, task_operator

# The smaller bundled model is the better prior: on Set12 it deblurs 0.7-0.8 dB and inpaints 0.2-0.3 dB
# better than the flagship, the better Gaussian denoiser (README "Restoration").
DEFAULT_MODEL = "adafm-unet16-gray-15-50"


def restore(image, task, *, model=DEFAULT_MODEL, kernel=None, mask=None, scale=None, noise_level=0.0,
            iterations=None, start_level=None, weight=None, extrapolate=None, ensemble=None, reference=None,
            on_step=None):
    """Restore a blurred (`task="deblur"`, `kernel`), masked (`"inpaint"`, `mask`: nonzero = missing)
    or low-resolution (`"super-resolve"`, `scale` 2/3/4, optional `kernel`, bicubic otherwise) image.

    `image`: [H, W] or [H, W, C], uint8 or float in [0, 1]; the result has its dtype (and, for
    super-resolution, `scale` times its size). `model`: a bundled model name, an exported folder, a
    loaded `Denoiser`, or a prior of your own (an object with `prior(image, level)` and
    `prior.level_used(level)`, as `DenoisingPrior`). `noise_level`: the measurement's noise sigma (0-255 scale). The schedule
    (`iterations`, `start_level`, `weight`), `extrapolate` (a tunable model follows its calibration
    below its trained range) and `ensemble` (each iteration sees another flip or rotation of the
    image) default per task (`tunablecnn.restore.DEFAULTS`).
    `reference` (the clean image, same dtype convention) adds PSNR to each step given to
    `on_step(Step)`.
    """
    measurement, as_input = _as_float(image)
    defaults = DEFAULTS.get(task)
    operator = task_operator(task, measurement.shape, kernel=kernel, mask=mask, scale=scale)
    prior = _prior(model, defaults.extrapolate if extrapolate is None else extrapolate)
    levels = schedule(start_level or defaults.start_level, max(noise_level, defaults.end_level, 0.255),
                      iterations or defaults.iterations)
    clean = None if reference is None else _as_float(reference)[0]
    ensemble = defaults.ensemble if ensemble is None else ensemble
    result = hqs(operator, measurement, prior, levels, noise_level, weight or defaults.weight, on_step, clean, ensemble)
    return as_input(result, np.ndim(image) == 2)


def _prior(model, extrapolate):
    if hasattr(model, "level_used"):
        return model
    return DenoisingPrior(model if isinstance(model, Denoiser) else load_model(model), extrapolate)


def _as_float(image):
    """(float64 [H, W, C] in [0, 1], a function turning a result back into the input's dtype)."""
    array = np.asarray(image)
    if array.dtype == np.uint8:
        floats = array.astype(np.float64) / 255.0
        back = lambda x: np.round(np.clip(x, 0, 1) * 255).astype(np.uint8)  # noqa: E731
    elif np.issubdtype(array.dtype, np.floating):
        floats = array.astype(np.float64)
        back = lambda x: np.clip(x, 0, 1).astype(np.float32)  # noqa: E731
    else:
        raise RestoreError(f"expected a uint8 image or a float image in [0, 1]; got dtype {array.dtype}")
    if floats.ndim not in (2, 3):
        raise RestoreError(f"expected an image [H, W] or [H, W, C]; got shape {array.shape}")
    floats = floats[..., None] if floats.ndim == 2 else floats
    return floats, lambda x, gray: back(x[..., 0] if gray else x)
