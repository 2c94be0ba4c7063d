"""Library behind `python -m tunablecnn.evaluate`: methods, the scoring loop and the summaries.

A `Method` is a model or a baseline at one channel count; `Method.variants(sigma)` lists the
settings it is scored at (blind models and baselines once, tunable models at each alpha of a
grid and/or at the calibrated alpha). `evaluate` follows the convention of
`tunablecnn.metrics`: every method sees the same unclipped noisy image per (image, sigma).

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
import math
import os
import time
from collections.abc import Callable

import numpy as np

from tunablecnn.data import IMAGE_EXTENSIONS, read_image, scan_images
from tunablecnn.inference import load_model
from tunablecnn.metrics import add_noise, noise_seed, score_image

BASELINES = ("bm3d", "nlm")
DEFAULT_ALPHAS = tuple(round(a, 6) for a in np.linspace(0.0, 1.0, 11))
NLM_H_GRAY = 0.9
NLM_H_COLOR = 0.6


class EvaluationError(ValueError):
    """A model, dataset or option the evaluation cannot use; the message says why."""


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
    self_ensemble: bool = False  # a model run as the mean over 8 flips/rotations (see tunablecnn.self_ensemble)


def parse_sigmas(text):
    """`"15,25,35,50"` -> `[15.0, 25.0, 35.0, 50.0]`: distinct noise sigmas > 0 on the 0-255 scale."""
    try:
        sigmas = [float(part) for part in text.split(",")]
    except ValueError:
        raise ValueError("--sigmas wants comma-separated noise levels (0-255 scale), e.g. 15,25,35,50, "
                         f"not {text!r}") from None
    if not all(math.isfinite(s) and s > 0 for s in sigmas) or len(set(sigmas)) != len(sigmas):
        raise ValueError(f"--sigmas wants distinct finite levels > 0, not {text!r}")
    return sigmas


def parse_alphas(text):
    """`"0:1:0.1"` (START:STOP:STEP, STOP included) or `"0,0.5,1"` -> sorted distinct alphas in [0, 1]."""
    try:
        if ":" in text:
            start, stop, step = (float(v) for v in text.split(":"))
            if not step > 0 or start > stop:
                raise ValueError
            alphas = list(np.arange(start, stop + step / 2, step))
        else:
            alphas = [float(v) for v in text.split(",")]
    except ValueError:
        raise ValueError("--alphas wants START:STOP:STEP (e.g. 0:1:0.1) or a comma list (e.g. 0,0.5,1), "
                         f"not {text!r}") from None
    alphas = sorted({round(float(a), 6) for a in alphas})
    if not all(0.0 <= a <= 1.0 for a in alphas):
        raise ValueError(f"--alphas must lie in [0, 1], not {text!r}")
    return alphas


@dataclasses.dataclass(frozen=True)
class Dataset:
    """The images of one channel count, and what happened to the other files on the way.

    `images`: `[(name, clean)]`, `clean` float64 `[H, W, channels]` in [0, 255]; `skipped`:
    `[(name, reason)]` for files that give no image; `converted`: names of the images whose
    colour (for channels 1) or gray (for channels 3) content was converted to `channels`.
    Names are paths relative to the dataset folder.
    """

    channels: int
    images: list
    skipped: list
    converted: list


def read_dataset(directory, channels, max_images=None):
    """`Dataset` of the sorted images under `directory` (at most `max_images`), as `channels` channels.

    Nothing is dropped silently: files that are not images, or do not decode (truncated,
    corrupt), are listed in `skipped` with the reason. An image counts as colour when its
    three channels differ. Raises `tunablecnn.data.DatasetError` for a missing or empty folder
    and `EvaluationError` when no image decodes.
    """
    scan = scan_images(directory)
    skipped = [(os.path.relpath(path, directory), _scan_reason(path)) for path in scan.skipped]
    images, converted = [], []
    for path in scan.images[:max_images]:
        name = os.path.relpath(path, directory)
        rgb = read_image(path, 3)
        if rgb is None:
            skipped.append((name, "cannot be decoded (truncated or corrupt)"))
            continue
        if _is_gray(rgb) != (channels == 1):
            converted.append(name)
        image = rgb if channels == 3 else read_image(path, 1)
        images.append((name, image.astype(np.float64) * 255.0))
    if not images:
        raise EvaluationError(f"{directory}: no readable image")
    return Dataset(channels, images, sorted(skipped), converted)


def load_dataset(directory, channels, max_images=None):
    """`[(name, clean)]`: the images of `read_dataset` (see there), without the record of skips and conversions."""
    return read_dataset(directory, channels, max_images).images


def dataset_record(datasets, methods):
    """`{"skipped": [{"file", "reason"}], "conversions": [...]}` for the report, from `{channels: Dataset}`.

    Each conversion names the direction, the images and the methods (of that channel count) that
    scored them converted: `{"from": "colour", "to": "gray", "images": [...], "methods": [...]}`.
    """
    skipped = sorted({entry for dataset in datasets.values() for entry in dataset.skipped})
    conversions = [
        {"from": "colour" if channels == 1 else "gray", "to": "gray" if channels == 1 else "RGB",
         "images": dataset.converted, "methods": [m.name for m in methods if m.channels == channels]}
        for channels, dataset in sorted(datasets.items()) if dataset.converted
    ]
    return {"skipped": [{"file": name, "reason": reason} for name, reason in skipped], "conversions": conversions}


def dataset_notes(record):
    """One line per skipped file and per conversion of a `dataset_record`, for report.md and stderr."""
    lines = [f"skipped {entry['file']}: {entry['reason']}" for entry in record["skipped"]]
    verb = {"gray": "converted to gray", "RGB": "replicated to RGB"}
    lines += [f"{len(c['images'])} {c['from']} image(s) {verb[c['to']]} for {', '.join(c['methods'])}"
              for c in record["conversions"]]
    return lines


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


def evaluate(methods, datasets, sigmas, seed=0, progress=None, cache=None):
    """Score every method variant on every image and sigma; return one dict per (variant, sigma, image).

    `datasets` maps a channel count to `load_dataset` output (`Dataset.images`); methods run on the images of
    their channel count. Image i at sigma s gets the noise of `noise_seed(seed, i, s)`.
    Rows: method, kind, channels, setting, alpha, sigma, image, psnr, ssim, seconds.
    `progress(channels, done, total)` is called after each image. `cache` (a `ScoreCache`)
    supplies and keeps baseline scores; models always run.
    """
    rows = []
    for channels, images in datasets.items():
        group = [m for m in methods if m.channels == channels]
        for index, (name, clean) in enumerate(images):
            for sigma in sigmas:
                noisy = add_noise(clean, sigma, noise_seed(seed, index, sigma))
                rows += [_score(m, v, sigma, name, clean, noisy, cache if m.kind == "baseline" else None)
                         for m in group for v in m.variants(sigma)]
            if progress:
                progress(channels, index + 1, len(images))
    return rows


def summarize(rows):
    """Mean psnr, ssim and seconds per (method, setting, alpha, sigma), in first-seen order, with an image count."""
    groups = {}
    for row in rows:
        key = (row["method"], row["setting"], row["alpha"], row["sigma"])
        groups.setdefault(key, []).append(row)
    summary = []
    for members in groups.values():
        first = members[0]
        means = {k: float(np.mean([m[k] for m in members])) for k in ("psnr", "ssim", "seconds")}
        summary.append({k: first[k] for k in ("method", "kind", "channels", "setting", "alpha", "sigma")}
                       | means | {"images": len(members)})
    return summary


def best_alphas(summary):
    """`{method: {sigma: row}}`: the alpha-grid summary row with the best mean PSNR per tunable model and sigma."""
    best = {}
    for row in summary:
        if row["setting"] == "grid":
            current = best.setdefault(row["method"], {}).get(row["sigma"])
            if current is None or row["psnr"] > current["psnr"]:
                best[row["method"]][row["sigma"]] = row
    return best


def report_rows(summary):
    """The report's rows: `[{"label", "method", "kind", "channels", "scores": {sigma: summary row}}]`.

    A blind model or baseline gives one row (its name); a tunable model gives "NAME
    (calibrated)" and/or "NAME (best alpha)" (the grid alpha with the best mean PSNR per sigma).
    Models come first, then baselines, each in first-seen order.
    """
    rows = {}
    best = best_alphas(summary)
    for row in summary:
        if row["setting"] == "grid" and best[row["method"]][row["sigma"]] is not row:
            continue
        label = row["method"] + {"fixed": "", "calibrated": " (calibrated)", "grid": " (best alpha)"}[row["setting"]]
        fields = {k: row[k] for k in ("method", "kind", "channels")}
        entry = rows.setdefault(label, {"label": label, **fields, "scores": {}})
        entry["scores"][row["sigma"]] = row
    return sorted(rows.values(), key=lambda entry: entry["kind"] != "model")


def psnr_gaps(rows):
    """`[{"label": "A - B", "a", "b", "gaps": {sigma: dB}}]`: each model row minus each baseline and later model row.

    Only rows of the same channel count are compared; positive means A is better.
    """
    gaps = []
    for i, a in enumerate(rows):
        if a["kind"] != "model":
            continue
        for b in rows[i + 1:] + [r for r in rows[:i] if r["kind"] == "baseline"]:
            if b["channels"] == a["channels"]:
                common = [s for s in a["scores"] if s in b["scores"]]
                gaps.append({"label": f"{a['label']} - {b['label']}", "a": a["label"], "b": b["label"],
                             "gaps": {s: a["scores"][s]["psnr"] - b["scores"][s]["psnr"] for s in common}})
    return gaps


def model_metrics(summary, method):
    """`{sigma: {"psnr", "ssim", "alpha", "setting"}}` of one model for its metadata's `metrics`.

    A tunable model reports its calibrated rows (what `level=` gives a user) if they were run,
    else its best grid alpha per sigma; a blind model its only rows.
    """
    rows = [r for r in summary if r["method"] == method]
    chosen = [r for r in rows if r["setting"] in ("calibrated", "fixed")]
    if not chosen:
        chosen = list(best_alphas(rows).get(method, {}).values())
    return {f"{r['sigma']:g}": {"psnr": round(r["psnr"], 3), "ssim": round(r["ssim"], 4), "alpha": r["alpha"],
                                "setting": r["setting"], "images": r["images"]} for r in chosen}


def _score(method, variant, sigma, image, clean, noisy, cache=None):
    setting, alpha, denoise = variant
    key = cache.key(method.name, noisy) if cache else None
    cached = cache.get(key) if cache else None
    if cached:
        psnr, ssim, seconds = cached
    else:
        start = time.perf_counter()
        restored = denoise(noisy)
        seconds = time.perf_counter() - start
        psnr, ssim = score_image(clean, restored)
        if cache:
            cache.put(key, psnr, ssim, seconds)
    return {"method": method.name, "kind": method.kind, "channels": method.channels, "setting": setting,
            "alpha": alpha, "sigma": sigma, "image": image, "psnr": psnr, "ssim": ssim, "seconds": seconds}


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


def _scan_reason(path):
    if not path.lower().endswith(IMAGE_EXTENSIONS):
        return "not an image file (extension)"
    return "not a readable image (header not recognised)"


def _is_gray(rgb):
    return np.array_equal(rgb[..., 0], rgb[..., 1]) and np.array_equal(rgb[..., 1], rgb[..., 2])


def _fixed(denoise):
    return lambda sigma: [("fixed", None, functools.partial(denoise, sigma=sigma))]


def _unique(name, taken):
    label, number = name, 2
    while label in taken:
        label, number = f"{name}-{number}", number + 1
    taken.add(label)
    return label
