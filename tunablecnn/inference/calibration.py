"""Level calibration of tunable models: which alpha restores best at which noise level.

`measure_calibration` finds, for a grid of noise sigmas, the alpha with the best mean PSNR
on clean validation images; the table is stored in the exported metadata so users can ask
for `level=35` (interpolated) or `alpha="auto"` (from a blind noise estimate) instead of
guessing alpha.

Below the start level the table extrapolates: a bias-free tunable model at alpha < 0 denoises
more weakly than at its start level (the modulation runs backwards), which is what lower noise
needs; the flagship at sigma 5 gains 2.35 dB over alpha 0 on BSD68 (README, "Below the start
level"). Those levels search `EXTRAPOLATION_GRID`, which ends at alpha 0, so a level where going
below 0 does not help keeps alpha 0.
"""

import logging

import numpy as np

from tunablecnn.metrics import psnr

logger = logging.getLogger(__name__)

ALPHA_GRID = np.linspace(0.0, 1.0, 11)
EXTRAPOLATION_GRID = np.linspace(-1.5, 0.0, 7)  # levels below the start: alpha < 0 weakens the denoising
ALPHA_RANGE = (float(EXTRAPOLATION_GRID[0]), 1.0)  # every alpha a model accepts; [0, 1] is the trained range
MAX_PSNR = 120.0  # dB, for MSE 1e-12 (peak 1): a perfectly restored image must not make the mean infinite


def calibration_levels(start, end, step=5.0):
    """Sigmas from `start` to `end` (inclusive) every `step`, after `start` * 1/6, 2/6, ..., 5/6
    (the levels below the start, calibrated by extrapolation; only when 0 < start < end)."""
    count = int(round(abs(end - start) / step)) + 1
    below = [start * k / 6 for k in range(1, 6)] if 0 < start < end else []
    return [float(s) for s in [*below, *np.linspace(start, end, count)]]


def measure_calibration(denoise, clean_images, levels, seed=0, extrapolate_below=None):
    """Return `[{"level", "alpha", "psnr"}, ...]`, one entry per level.

    `denoise(noisy, alpha)` maps a float batch [N, H, W, C] (0-1 scale, unclipped) and a
    scalar alpha to the restored batch. PSNR follows the evaluation convention (noise of
    the level on the 0-255 scale, fixed seed, output clipped). Levels below `extrapolate_below`
    (the model's start level, when it is below the end level) search `EXTRAPOLATION_GRID`, the
    others `ALPHA_GRID`; the best grid alpha is refined by a parabola through it and its neighbours.
    """
    clean = np.asarray(clean_images, np.float32)
    table = []
    for level in levels:
        below = extrapolate_below is not None and level < extrapolate_below
        grid = EXTRAPOLATION_GRID if below else ALPHA_GRID
        noise = np.random.default_rng(seed).normal(0.0, level / 255.0, clean.shape).astype(np.float32)
        scores = np.array([_psnr(clean, denoise(clean + noise, alpha)) for alpha in grid])
        alpha = _refine(grid, scores)
        table.append({"level": float(level), "alpha": alpha, "psnr": float(_psnr(clean, denoise(clean + noise, alpha)))})
        logger.info("calibration: sigma %.1f -> alpha %.3f (%.2f dB)", level, alpha, table[-1]["psnr"])
    return table


def alpha_for_level(table, level):
    """Alpha for noise sigma `level` (0-255), linearly interpolated in the table and clamped to
    `ALPHA_RANGE` (outside the table's levels: the alpha of its nearest end).

    `level` is a number (gives a float) or an array, a sigma map say (gives a float32 array of
    its shape, every element mapped alike).
    """
    if not table:
        raise ValueError("this model has no level calibration; pass alpha instead of level")
    levels = np.array([row["level"] for row in table])
    alphas = np.array([row["alpha"] for row in table])
    order = np.argsort(levels)
    mapped = np.clip(np.interp(level, levels[order], alphas[order]), *ALPHA_RANGE)
    return float(mapped) if np.ndim(level) == 0 else mapped.astype(np.float32)


def calibrated_range(table):
    """`(lowest, highest)` noise sigma of the calibration table."""
    if not table:
        raise ValueError("this model has no level calibration")
    levels = [row["level"] for row in table]
    return min(levels), max(levels)


def range_note(table, level, alpha, what):
    """None if `level` lies in the calibrated range; otherwise a sentence saying that `alpha`,
    the alpha of the range's nearest end, is used. `what` names the level, e.g. "level 80"."""
    low, high = calibrated_range(table)
    if low <= level <= high:
        return None
    side, end = ("below", low) if level < low else ("above", high)
    return (f"{what} is {side} the calibrated range (sigma {low:g}-{high:g}): "
            f"using alpha {alpha:.2f}, the alpha for sigma {end:g}")


def map_range_note(table, levels, what):
    """None if every sigma of the map `levels` lies in the calibrated range; otherwise a sentence
    saying which share lies outside and that those pixels use the alpha of the nearest end."""
    low, high = calibrated_range(table)
    levels = np.asarray(levels)
    outside = float(np.mean((levels < low) | (levels > high)))
    if outside == 0:
        return None
    return (f"{what} spans sigma {levels.min():.1f}-{levels.max():.1f}; {100 * outside:.0f} % of its pixels lie "
            f"outside the calibrated range (sigma {low:g}-{high:g}) and use the alpha of its nearest end")


def _psnr(clean, restored):
    """Mean over the batch of each image's PSNR (peak 1, at most `MAX_PSNR`), `restored` clipped to [0, 1]."""
    restored = np.clip(np.asarray(restored, np.float32), 0.0, 1.0)
    return float(np.mean([min(psnr(c, r, peak=1.0), MAX_PSNR) for c, r in zip(clean, restored)]))


def _refine(grid, scores):
    best = int(np.argmax(scores))
    if best in (0, len(grid) - 1):
        return float(grid[best])
    left, mid, right = scores[best - 1 : best + 2]
    curvature = left - 2 * mid + right
    if curvature >= 0:
        return float(grid[best])
    offset = 0.5 * (left - right) / curvature
    return float(np.clip(grid[best] + offset * (grid[1] - grid[0]), grid[0], grid[-1]))
