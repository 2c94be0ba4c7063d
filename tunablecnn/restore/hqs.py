"""Half-quadratic splitting: alternate a data step and a denoising step at falling noise levels."""

import dataclasses

import numpy as np

from tunablecnn.inference.self_ensemble import TRANSFORMS, transform, untransform
from tunablecnn.metrics import psnr


@dataclasses.dataclass
class Step:
    """What one iteration did: shown as progress and kept for `--save-steps`."""

    iteration: int
    level: float
    estimate: np.ndarray
    psnr: float | None = None


def schedule(start, end, iterations):
    """Denoiser noise levels (0-255 scale) falling geometrically from `start` to `end`."""
    if iterations == 1:
        return np.array([float(end)])
    return np.geomspace(start, end, iterations)


def hqs(operator, measurement, prior, levels, noise_level, weight, on_step=None, reference=None, ensemble=True):
    """Restore from `measurement` with `operator` and `prior`; return the last estimate.

    Iteration i solves the data step with rho_i = weight * noise^2 / used_i^2, then denoises at
    level_i, where used_i is the level the prior really denoises at (`prior.level_used`: a tunable
    model stops at its start level, or with `extrapolate` at its lowest calibrated level). This is
    DPIR's rule with its prior's level in place of the schedule's; the noise level has a floor of
    0.255 so noiseless tasks stay well posed. With `ensemble`, iteration i denoises the estimate
    turned and flipped by the i-th of the 8 geometric transforms (DPIR's periodic self-ensemble):
    the network's errors change from one iteration to the next and average out, at no extra cost.
    """
    noise = max(noise_level, 0.255)
    estimate = operator.initial(measurement)
    rho = lambda level: weight * noise**2 / prior.level_used(level) ** 2  # noqa: E731
    for i, level in enumerate(levels, start=1):
        view = TRANSFORMS[(i - 1) % len(TRANSFORMS)] if ensemble else (0, False)
        estimate = _denoise(prior, operator.solve(measurement, estimate, rho(level)), level, *view)
        if i == len(levels) and noise_level == 0:
            estimate = operator.solve(measurement, estimate, rho(level))
        if on_step is not None:
            on_step(Step(i, float(level), estimate, None if reference is None else _psnr(reference, estimate)))
    return estimate


def _denoise(prior, image, level, turns, flip):
    """`prior(image, level)` computed on the image turned `turns` x 90 degrees (and flipped), turned back."""
    view = np.ascontiguousarray(transform(image[None], turns, flip)[0])
    return untransform(prior(view, level)[None], turns, flip)[0]


def _psnr(reference, estimate):
    return psnr(reference * 255.0, np.clip(estimate, 0, 1) * 255.0)
