"""The restoration tasks: checked inputs -> an operator, and each task's default schedule."""

import dataclasses

import numpy as np

from tunablecnn.restore.operators import FourierOperator, MaskOperator, bicubic_otf, psf_to_otf


class RestoreError(ValueError):
    """An input `restore` cannot use (kernel, mask, scale, task); the message says which and why."""


@dataclasses.dataclass(frozen=True)
class Defaults:
    """A task's default schedule: `iterations` levels from `start_level` down to the noise level
    (never below `end_level`), the data-step weight (DPIR's lambda; see `hqs`), whether a tunable
    prior follows its calibration below its trained range (`DenoisingPrior`) and whether each
    iteration sees the image turned or flipped (`hqs`'s `ensemble`). Chosen by
    benchmarks/restoration.py on Set12 (README "Restoration")."""

    iterations: int
    start_level: float
    end_level: float
    weight: float
    extrapolate: bool = False
    ensemble: bool = True


DEFAULTS = {
    "deblur": Defaults(iterations=8, start_level=49.0, end_level=0.0, weight=1.0),
    "inpaint": Defaults(iterations=10, start_level=49.0, end_level=1.0, weight=1.0, extrapolate=True),
    "super-resolve": Defaults(iterations=8, start_level=49.0, end_level=0.0, weight=1.0),
}
TASKS = tuple(DEFAULTS)
SCALES = (2, 3, 4)


def task_operator(task, shape, *, kernel=None, mask=None, scale=None):
    """The operator of `task` for a measurement of `shape` [H, W, C]; RestoreError on bad inputs."""
    if task not in TASKS:
        raise RestoreError(f"unknown task {task!r}; expected one of {', '.join(TASKS)}")
    if task == "deblur":
        if kernel is None:
            raise RestoreError("deblur needs a blur kernel (--kernel K.png or K.npy)")
        return FourierOperator(psf_to_otf(check_kernel(kernel, shape), shape[:2]))
    if task == "inpaint":
        if mask is None:
            raise RestoreError("inpaint needs a mask (--mask M.png, nonzero marks the pixels to fill)")
        return MaskOperator(~check_mask(mask, shape))
    if scale not in SCALES:
        raise RestoreError(f"super-resolve needs --scale in {SCALES}; got {scale!r}")
    high = (shape[0] * scale, shape[1] * scale)
    otf = bicubic_otf(scale, high) if kernel is None else psf_to_otf(check_kernel(kernel, high), high)
    return FourierOperator(otf, scale)


def check_kernel(kernel, shape):
    """The kernel normalized to sum 1; RestoreError unless it is 2-D, finite, of positive sum and fits the image."""
    kernel = np.asarray(kernel, np.float64)
    if kernel.ndim != 2:
        raise RestoreError(f"the blur kernel must be 2-D; got shape {kernel.shape}")
    if not np.all(np.isfinite(kernel)):
        raise RestoreError("the blur kernel holds NaN or infinite values")
    if kernel.sum() <= 0:
        raise RestoreError(f"the blur kernel must have a positive sum; its sum is {kernel.sum():g}")
    if kernel.shape[0] > shape[0] or kernel.shape[1] > shape[1]:
        raise RestoreError(f"the blur kernel ({kernel.shape[0]}x{kernel.shape[1]}) is larger than the image "
                           f"({shape[0]}x{shape[1]})")
    return kernel / kernel.sum()


def check_mask(mask, shape):
    """Boolean [H, W], True where pixels are missing; RestoreError unless the mask matches the image."""
    mask = np.asarray(mask)
    if mask.ndim == 3:
        mask = mask.max(axis=-1)
    if mask.shape != tuple(shape[:2]):
        raise RestoreError(f"the mask is {'x'.join(map(str, mask.shape))} but the image is {shape[0]}x{shape[1]}")
    missing = mask != 0
    if missing.all():
        raise RestoreError("the mask marks every pixel as missing: nothing to inpaint from")
    return missing
