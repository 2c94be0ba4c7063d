"""What the evaluation scores: models and baselines, each a `Method` at one channel count.

`Method.variants(sigma)` lists the settings a method is scored at: blind models and baselines
once, tunable models at each alpha of a grid and/or at the calibrated alpha.

Baselines, given the noisy image on the 0-255 scale:
- `nlm`: OpenCV non-local means, which only takes uint8, so the noisy image is clipped to
  [0, 255] and rounded first (a limitation of the baseline, not of the convention). Filter
  strength: gray `h = 0.9 * sigma`; colour (`fastNlMeansDenoisingColored`, in Lab)
  `h = hColor = 0.6 * sigma`; other parameters are OpenCV's defaults (7x7 patches, 21x21
  search). The factors were picked on a few BSD68/CBSD68 crops, not tuned per image.
- `bm3d`: `bm3d.bm3d(noisy / 255, sigma_psd=sigma / 255)` (gray) or `bm3d.bm3d_rgb` (colour),
  on the unclipped noisy image; needs the optional `bm3d` package (extra `benchmark`).
"""

import dataclasses
import functools
from collections.abc import Callable

import numpy as np

from tunablecnn.inference import load_model

BASELINES = ("bm3d", "nlm")
DEFAULT_ALPHAS = tuple(round(a, 6) for a in np.linspace(0.0, 1.0, 11))
NLM_H_GRAY = 0.9
NLM_H_COLOR = 0.6


class EvaluationError(ValueError):
    """A model or option the evaluation cannot use; the message says why."""


@dataclasses.dataclass(frozen=True)
class Method:
    """One model or baseline at one channel count.

    `variants(sigma)` returns `[(setting, alpha, denoise)]`: `setting` is "fixed" (blind model
    or baseline), "grid" (one alpha of the grid) or "calibrated"; `alpha` is None for "fixed";
    `denoise` maps a noisy float `[H, W, C]` image on the 0-255 scale (unclipped) to the
    restored image on the same scale.
    """

    name: str
    kind: str  # "model" or "baseline"
    channels: int
    variants: Callable
    self_ensemble: bool = False  # a model run as the mean over 8 flips/rotations (`denoiser(..., self_ensemble=True)`)


def model_methods(models, alphas=None, calibrated=False, self_ensemble=False):
    """One `Method` per bundled name or exported folder in `models` (see `model_method`), in that order.

    With `self_ensemble`, each model is followed by a `<name>+x8` method (8-fold geometric self-ensemble)
    run at the calibrated alpha only when the model has a calibration (it costs 8x), else as the model.
    """
    methods, names = [], set()
    for spec in models:
        try:
            denoiser = load_model(spec)
        except ValueError as error:
            raise EvaluationError(str(error)) from None
        name = _unique(denoiser.metadata["name"], names)
        plan = _tunable_plan(name, denoiser, alphas, calibrated)
        methods.append(model_method(name, denoiser, *plan))
        if self_ensemble:
            ensemble_plan = ([], True) if denoiser.calibration else plan
            methods.append(model_method(_unique(f"{name}+x8", names), denoiser, *ensemble_plan, self_ensemble=True))
    return methods


def model_method(name, denoiser, alphas, calibrated, self_ensemble=False):
    """`Method` of a `Denoiser`: fed noisy / 255 (unclipped float), its output times 255."""

    def run(noisy, **kwargs):
        return np.asarray(denoiser(noisy / 255.0, self_ensemble=self_ensemble, **kwargs), np.float64) * 255.0

    def variants(sigma):
        if not denoiser.tunable:
            return [("fixed", None, run)]
        grid = [("grid", a, functools.partial(run, alpha=a)) for a in alphas]
        if calibrated:
            grid.append(("calibrated", denoiser.alpha_for_level(sigma), functools.partial(run, level=sigma)))
        return grid

    return Method(name, "model", denoiser.channels, variants, self_ensemble)


def baseline_methods(names, channel_counts):
    """`(methods, notices)`: each baseline in `names` at each channel count; a missing `bm3d` is a notice."""
    unknown = sorted(set(names) - set(BASELINES))
    if unknown:
        raise EvaluationError(f"unknown baseline(s) {', '.join(unknown)}; choose from {', '.join(BASELINES)}")
    methods, notices = [], []
    for name in names:
        denoise = _baseline_function(name, notices)
        for channels in sorted(channel_counts) if denoise else []:
            label = name if len(channel_counts) == 1 else f"{name}-{'gray' if channels == 1 else 'rgb'}"
            methods.append(Method(label, "baseline", channels, _fixed(denoise)))
    return methods, notices


def nlm_denoise(noisy, sigma):
    """OpenCV non-local means of a noisy `[H, W, 1|3]` image (0-255 scale; clipped and rounded to uint8)."""
    import cv2

    image = np.clip(np.round(noisy), 0, 255).astype(np.uint8)
    if image.shape[-1] == 1:
        return cv2.fastNlMeansDenoising(image[..., 0], None, h=NLM_H_GRAY * sigma)[..., None].astype(np.float64)
    h = NLM_H_COLOR * sigma
    restored = cv2.fastNlMeansDenoisingColored(cv2.cvtColor(image, cv2.COLOR_RGB2BGR), None, h, h)
    return cv2.cvtColor(restored, cv2.COLOR_BGR2RGB).astype(np.float64)


def bm3d_denoise(noisy, sigma):
    """BM3D of a noisy `[H, W, 1|3]` image (0-255 scale, unclipped) with the known `sigma`."""
    import bm3d

    if noisy.shape[-1] == 1:
        return np.asarray(bm3d.bm3d(noisy[..., 0] / 255.0, sigma_psd=sigma / 255.0))[..., None] * 255.0
    return np.asarray(bm3d.bm3d_rgb(noisy / 255.0, sigma_psd=sigma / 255.0)) * 255.0


def _tunable_plan(name, denoiser, alphas, calibrated):
    """(alpha grid, calibrated?) of a tunable model; default: calibrated if it has a calibration, else 0:1:0.1."""
    if not denoiser.tunable:
        return [], False
    if alphas is None and not calibrated:
        return ([], True) if denoiser.calibration else (list(DEFAULT_ALPHAS), False)
    if calibrated and not denoiser.calibration:
        raise EvaluationError(f"{name} has no level calibration: use --alphas instead of --calibrated")
    return list(alphas or []), calibrated


def _baseline_function(name, notices):
    if name == "nlm":
        return nlm_denoise
    try:
        import bm3d  # noqa: F401
    except ImportError:
        notices.append("bm3d is not installed (pip install bm3d, or the 'benchmark' extra): BM3D baseline skipped")
        return None
    return bm3d_denoise


def _fixed(denoise):
    return lambda sigma: [("fixed", None, functools.partial(denoise, sigma=sigma))]


def _unique(name, taken):
    label, number = name, 2
    while label in taken:
        label, number = f"{name}-{number}", number + 1
    taken.add(label)
    return label
