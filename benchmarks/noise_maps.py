"""Alpha maps against one alpha per image, on noise that varies across the picture (BSD68, gray).

    python benchmarks/noise_maps.py [--model adafm-unet20d4-gray-15-50 | FOLDER] [--max-images N]
        [--data ../shared/data] [--output reports/noise_maps] [--backend saved_model]

Writes OUTPUT/report.md and OUTPUT/per_image.csv. Settings, each noise drawn unclipped from a
fixed seed per image (`noise_seed(setting number, image index, the setting's top sigma)`),
outputs clipped to [0, 255], PSNR by `tunablecnn.metrics.psnr` (peak 255):
- `ramp 10-50`: Gaussian noise whose sigma rises linearly from 10 at the left column to 50 at
  the right one (FFDNet's spatially variant test). Given sigma map -> alpha map through the
  calibration (`level=map`), against the best single alpha (the alpha of best mean PSNR over
  the images, from a 0.1 grid over [-0.5, 1] refined by +-0.05) and the scalar auto alpha. A diagnostic,
  `per-band oracle`, takes each eighth of the width from the grid alpha with the least error
  there (chosen with the clean images): about what any alpha varying across the image can give
  with this model.
- `poisson-gaussian 10-40` and `5-25`: photon noise plus read-out noise, `z = a * Poisson(y / a)
  + N(0, b)`, variance `a * y + b` with `a`, `b` chosen so sigma runs 10 -> 40 (5 -> 25) from
  y = 0 to 255. The map estimated from the noisy image alone (`alpha="auto-map"`) against the
  best single alpha, the scalar auto alpha and BM3D given the mean of the true sigma map; the
  true sigma map through the calibration (`oracle map`) shows what a perfect estimate would give.
Times are wall seconds per image of one call with a number and with a constant map (the map's
cost), on this busy 2-core machine.
"""

import argparse
import csv
import os
import sys
import time
import warnings

import numpy as np

import tunablecnn
from tunablecnn.evaluate.datasets import load_dataset
from tunablecnn.evaluate.methods import bm3d_denoise
from tunablecnn.metrics import noise_seed, psnr

GRID = np.round(np.arange(-0.5, 1.0001, 0.1), 2) + 0.0  # + 0.0: no "-0.0"; alpha < 0: below the start level, as the calibration may use
PG_SETTINGS = {"poisson-gaussian 10-40": (10.0, 40.0), "poisson-gaussian 5-25": (5.0, 25.0)}


def main(argv=None):
    args = _parser().parse_args(argv)
    denoiser = tunablecnn.load_model(args.model, backend=args.backend)
    images = load_dataset(os.path.join(args.data, "BSD68"), 1, max_images=args.max_images)
    warnings.filterwarnings("ignore", message=".*calibrated range")  # the ramp's sigma 10 lies below 15
    rows, notes = ramp_rows(denoiser, images), {}
    for number, (setting, span) in enumerate(PG_SETTINGS.items(), start=2):
        pg_rows, notes[setting] = poisson_gaussian_rows(denoiser, images, setting, span, number)
        rows += pg_rows
    timing = time_calls(denoiser, images)
    os.makedirs(args.output, exist_ok=True)
    write_csv(os.path.join(args.output, "per_image.csv"), rows)
    report = markdown(args, denoiser, images, rows, notes, timing)
    with open(os.path.join(args.output, "report.md"), "w") as handle:
        handle.write(report)
    print(report)


def _parser():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", default="adafm-unet20d4-gray-15-50", help="bundled name or exported folder")
    parser.add_argument("--data", default=os.path.join("..", "shared", "data"))
    parser.add_argument("--max-images", type=int, default=None, metavar="N", help="first N images of BSD68 (default all)")
    parser.add_argument("--output", default=os.path.join("reports", "noise_maps"))
    parser.add_argument("--backend", choices=tunablecnn.inference.BACKENDS, default="saved_model")
    return parser


def ramp_rows(denoiser, images):
    """Rows of the linear sigma ramp: given map, best single alpha, scalar auto."""
    setting, noisy, sigma_maps = "ramp 10-50", [], []
    for index, (_, clean) in enumerate(images):
        width = clean.shape[1]
        sigmas = np.broadcast_to(np.linspace(10.0, 50.0, width), clean.shape[:2])
        rng = np.random.default_rng(noise_seed(1, index, 50.0))
        noisy.append(clean + sigmas[..., None] * rng.normal(size=clean.shape))
        sigma_maps.append(sigmas)
    given = [_run(denoiser, z, level=s) for z, s in zip(noisy, sigma_maps)]
    return _rows(setting, images, noisy, {"map (given sigma map)": given}, denoiser, band_oracle=True)


def poisson_gaussian_rows(denoiser, images, setting, span, number):
    """Rows of one Poisson-Gaussian strength, and the mean estimated `(a, b)` against the true ones."""
    a, b = poisson_gaussian_parameters(*span)
    noisy, true_sigmas, estimates = [], [], []
    for index, (_, clean) in enumerate(images):
        rng = np.random.default_rng(noise_seed(number, index, span[1]))
        noisy.append(a * rng.poisson(clean / a) + rng.normal(0.0, np.sqrt(b), clean.shape))
        true_sigmas.append(np.sqrt(a * clean[..., 0] + b))
        estimates.append(denoiser.auto_alpha_map(noisy[-1] / 255.0)[1])
    methods = {
        "estimated map (auto-map)": [_run(denoiser, z, alpha="auto-map") for z in noisy],
        "oracle map (true sigma map)": [_run(denoiser, z, level=s) for z, s in zip(noisy, true_sigmas)],
        "BM3D (mean true sigma)": [np.clip(bm3d_denoise(z, float(s.mean())), 0, 255) for z, s in zip(noisy, true_sigmas)],
    }
    note = {"a": a, "b": b, "estimated a": float(np.mean([e["a"] for e in estimates])),
            "estimated b": float(np.mean([e["b"] for e in estimates]))}
    return _rows(setting, images, noisy, methods, denoiser), note


def poisson_gaussian_parameters(low, high):
    """`(a, b)` of `variance = a * y + b` with sigma `low` at y = 0 and `high` at y = 255."""
    return (high**2 - low**2) / 255.0, low**2


def _rows(setting, images, noisy, methods, denoiser, band_oracle=False):
    """Per-image rows: the given methods, the best single alpha (chosen on the mean) and the scalar auto alpha."""
    methods = dict(methods)
    methods["auto (one alpha per image)"] = [_run(denoiser, z, alpha="auto") for z in noisy]
    alpha, restored, results = best_single_alpha(denoiser, images, noisy)
    methods[f"best single alpha ({alpha:.2f})"] = restored
    if band_oracle:
        chosen, composite = per_band_oracle(images, {a: results[a] for a in GRID})
        methods[f"per-band oracle (alphas {', '.join(f'{a:.1f}' for a in chosen)})"] = composite
    return [{"setting": setting, "image": name, "method": method, "psnr": psnr(clean, outputs[i])}
            for method, outputs in methods.items() for i, (name, clean) in enumerate(images)]


def best_single_alpha(denoiser, images, noisy):
    """`(alpha, restored images)` of the alpha with the best mean PSNR: a 0.1 grid, then +-0.05 around its best."""
    results = {}

    def score(alpha):
        if alpha not in results:
            results[alpha] = [_run(denoiser, z, alpha=alpha) for z in noisy]
        return np.mean([psnr(clean, out) for (_, clean), out in zip(images, results[alpha])])

    best = max(GRID, key=score)
    best = max([a for a in (best - 0.05, best, best + 0.05) if GRID[0] <= a <= GRID[-1]], key=lambda a: score(round(a, 2)))
    return round(best, 2), results[round(best, 2)], results


def per_band_oracle(images, results, bands=8):
    """`(alpha per band, composites)`: each column band from the alpha of least squared error there over all images."""
    composites = [np.zeros_like(clean) for _, clean in images]
    chosen = []
    for band in range(bands):
        cut = lambda array: array[:, band * array.shape[1] // bands : (band + 1) * array.shape[1] // bands]  # noqa: E731
        error = {a: sum(np.sum((cut(clean) - cut(out)) ** 2) for (_, clean), out in zip(images, outs))
                 for a, outs in results.items()}
        chosen.append(min(error, key=error.get))
        for composite, out in zip(composites, results[chosen[-1]]):
            cut(composite)[...] = cut(out)
    return chosen, composites


def _run(denoiser, noisy, **choice):
    """Denoise one unclipped noisy image (0-255) in the float path; the result clipped to [0, 255]."""
    restored = denoiser((noisy / 255.0).astype(np.float32), **choice)
    return np.clip(restored.astype(np.float64) * 255.0, 0.0, 255.0)


def time_calls(denoiser, images):
    """Wall seconds per image of a call with one alpha and with a constant alpha map (after a warm-up)."""
    image = (images[0][1] / 255.0).astype(np.float32)
    calls = {"alpha 0.5": lambda: denoiser(image, alpha=0.5),
             "constant alpha map": lambda: denoiser(image, alpha=np.full(image.shape[:2], 0.5, np.float32))}
    timing = {}
    for name, call in calls.items():
        call()
        start = time.perf_counter()
        for _ in range(3):
            call()
        timing[name] = (time.perf_counter() - start) / 3
    return timing


def write_csv(path, rows):
    with open(path, "w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=["setting", "image", "method", "psnr"])
        writer.writeheader()
        writer.writerows({**row, "psnr": f"{row['psnr']:.3f}"} for row in rows)


def markdown(args, denoiser, images, rows, notes, timing):
    lines = [f"# Alpha maps on spatially varying noise ({denoiser.name}, BSD68 gray, {len(images)} images)", "",
             f"Command: `python benchmarks/noise_maps.py {' '.join(sys.argv[1:])}`. Mean PSNR (dB) over the images; "
             "per image in `per_image.csv`. See the benchmark's docstring for the settings.", ""]
    for setting in dict.fromkeys(row["setting"] for row in rows):
        lines += _setting_table(setting, [row for row in rows if row["setting"] == setting], notes.get(setting))
    lines += _bars(rows)
    lines += ["## Time per image", "", f"{images[0][0]} ({images[0][1].shape[1]}x{images[0][1].shape[0]}), "
              f"backend {args.backend}: " + ", ".join(f"{name} {seconds:.2f} s" for name, seconds in timing.items()), ""]
    return "\n".join(lines)


def _setting_table(setting, rows, note):
    means = {method: np.mean([r["psnr"] for r in rows if r["method"] == method])
             for method in dict.fromkeys(r["method"] for r in rows)}
    lines = [f"## {setting}", ""]
    if note:
        lines += [f"True a = {note['a']:.3f}, b = {note['b']:.1f}; estimated (mean over images) a = "
                  f"{note['estimated a']:.3f}, b = {note['estimated b']:.1f}.", ""]
    lines += ["| method | mean PSNR |", "|---|---|"]
    lines += [f"| {method} | {value:.2f} |" for method, value in means.items()]
    return lines + [""]


def _bars(rows):
    def mean(setting, prefix):
        return np.mean([r["psnr"] for r in rows if r["setting"] == setting and r["method"].startswith(prefix)])

    gain = mean("ramp 10-50", "map") - mean("ramp 10-50", "best single")
    lines = ["## Bars", "", f"- ramp: map - best single alpha = {gain:+.2f} dB (bar: >= +0.30): "
             f"{'met' if gain >= 0.3 else 'MISSED'}"]
    for setting in PG_SETTINGS:
        gain = mean(setting, "estimated map") - mean(setting, "auto")
        lines.append(f"- {setting}: estimated map - scalar auto = {gain:+.2f} dB (bar: > 0): "
                     f"{'met' if gain > 0 else 'MISSED'}")
    return lines + [""]


if __name__ == "__main__":
    main()
