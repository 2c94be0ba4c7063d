"""Plug-and-play restoration measured on Set12: deblurring, inpainting, super-resolution.

    python benchmarks/restoration.py [--model adafm-unet16-gray-15-50] [--images 12]
        [--data ../shared/data] [--output reports/restoration]

Writes report.md and results.json. Every degradation is synthesized here from a fixed seed:
- deblur: the 8 Levin et al. 2009 kernels (circular blur, as DPIR's demos) plus Gaussian noise
  of sigma 2.55 and 7.65; against Wiener deconvolution (scikit-image; its balance picked per
  noise level as the best of a small grid on these very images, which favours it) and HQS with a
  total-variation prior (scikit-image's Chambolle TV at weight level/255, same schedule);
- inpaint: 50 % and 80 % of the pixels missing at random; against OpenCV's Telea inpainting and
  scikit-image's biharmonic inpainting;
- super-resolve x2 and x4 from bicubic downsampling (this package's antialiased bicubic operator);
  against bicubic upsampling (OpenCV).
Each also runs HQS with the model frozen at the best single alpha (picked per setting from
-1, -0.5, 0, 0.25, ..., 1) to show what following the noise level through alpha adds, and the
tunable prior with each of the task's two switches flipped (`extrapolate`: follow the calibration
below the trained range; `ensemble`: a new flip or rotation per iteration) to show why each task
defaults as it does (tunablecnn.restore.DEFAULTS). PSNR on 0-255, results clipped; CPU time is
process time per image (both threads count).
"""

import argparse
import json
import os
import time

import cv2
import numpy as np
from skimage.restoration import denoise_tv_chambolle, inpaint_biharmonic, wiener

import tunablecnn
from tunablecnn.data import list_images, read_image
from tunablecnn.metrics import psnr
from tunablecnn.restore import DEFAULT_MODEL, DEFAULTS, restore
from tunablecnn.restore.operators import FourierOperator, bicubic_otf, psf_to_otf
from tunablecnn.restore.prior import DenoisingPrior

ALPHAS = (-1.0, -0.5, 0.0, 0.25, 0.5, 0.75, 1.0)
WIENER_BALANCES = (0.003, 0.01, 0.03, 0.1)


class FixedAlphaPrior(DenoisingPrior):
    """The model frozen at one alpha, whatever level HQS asks for."""

    alpha = 0.0

    def __call__(self, image, level):
        return self.denoiser(image.astype(np.float32), alpha=self.alpha).astype(np.float64)


class TVPrior:
    """Chambolle total-variation denoising at weight level/255: the classical prior for the same HQS."""

    def level_used(self, level):
        return level

    def __call__(self, image, level):
        return denoise_tv_chambolle(image, weight=level / 255.0, channel_axis=-1)


def main():
    args = _parser().parse_args()
    denoiser = tunablecnn.load_model(args.model)
    images = [read_image(p, 1).pixels.astype(np.float64) for p in list_images([os.path.join(args.data, "Set12")])]
    images = images[: args.images]
    kernels = [np.load(os.path.join(args.data, "kernels", "Levin09", f"levin09_kernel{i}.npy")) for i in range(1, 9)]
    tasks = {"deblur": lambda: deblur_rows(denoiser, images, kernels), "inpaint": lambda: inpaint_rows(denoiser, images),
             "super-resolve": lambda: sr_rows(denoiser, images)}
    rows = [row for task in args.tasks.split(",") for row in tasks[task]()]
    rows = _merged(os.path.join(args.output, "results.json"), rows, args)
    os.makedirs(args.output, exist_ok=True)
    context = {"model": args.model, "images": len(images), "dataset": "Set12 (first images in sorted order)"}
    with open(os.path.join(args.output, "results.json"), "w") as handle:
        json.dump({"context": context, "rows": rows}, handle, indent=2)
    with open(os.path.join(args.output, "report.md"), "w") as handle:
        handle.write(markdown(context, rows))
    print(markdown(context, rows))


def _parser():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", default=DEFAULT_MODEL)
    parser.add_argument("--images", type=int, default=12, help="first N images of Set12")
    parser.add_argument("--data", default=os.path.join("..", "shared", "data"))
    parser.add_argument("--output", default=os.path.join("reports", "restoration"))
    parser.add_argument("--tasks", default="deblur,inpaint,super-resolve",
                        help="comma-separated; rows of the other tasks are kept from an earlier results.json of the same "
                        "model and images")
    return parser


def _merged(path, rows, args):
    """`rows` after the kept rows of tasks not rerun (same model and image count only), in task order."""
    if not os.path.isfile(path):
        return rows
    with open(path) as handle:
        earlier = json.load(handle)
    if earlier["context"]["model"] != args.model or earlier["context"]["images"] != args.images:
        return rows
    rerun = {row["setting"].split(",")[0].split(" x")[0] for row in rows}
    kept = [row for row in earlier["rows"] if row["setting"].split(",")[0].split(" x")[0] not in rerun]
    order = ["deblur", "inpaint", "super-resolve"]
    return sorted(kept + rows, key=lambda row: order.index(row["setting"].split(",")[0].split(" x")[0]))


def deblur_rows(denoiser, images, kernels):
    rows = []
    for noise in (2.55, 7.65):
        cases = []
        for i, clean in enumerate(images):
            for j, kernel in enumerate(kernels):
                blurred = FourierOperator(psf_to_otf(kernel, clean.shape[:2])).degrade(clean)
                noisy = blurred + np.random.default_rng([i, j, int(noise * 100)]).normal(0, noise / 255, clean.shape)
                cases.append((clean, noisy, kernel))
        run = lambda prior, c, **kw: restore(c[1], "deblur", model=prior, kernel=c[2], noise_level=noise, **kw)  # noqa: E731
        setting = f"deblur, noise {noise:g}"
        rows += _tunable_rows(setting, "deblur", denoiser, cases, run)
        rows.append(_measure(setting, "TV prior (HQS)", cases, lambda c: run(TVPrior(), c)))
        rows.append(max((_measure(setting, f"Wiener (balance {b:g})", cases, lambda c: wiener(c[1][..., 0], c[2], b)[..., None])
                         for b in WIENER_BALANCES), key=lambda row: row["psnr"]))
    return rows


def inpaint_rows(denoiser, images):
    rows = []
    for fraction in (0.5, 0.8):
        cases = []
        for i, clean in enumerate(images):
            missing = np.random.default_rng([i, int(fraction * 100)]).random(clean.shape[:2]) < fraction
            cases.append((clean, np.where(missing[..., None], 0.0, clean), missing))
        run = lambda prior, c, **kw: restore(c[1], "inpaint", model=prior, mask=c[2], **kw)  # noqa: E731
        setting = f"inpaint, {fraction:.0%} missing"
        rows += _tunable_rows(setting, "inpaint", denoiser, cases, run)
        rows.append(_measure(setting, "OpenCV Telea", cases, _telea))
        rows.append(_measure(setting, "biharmonic (scikit-image)", cases,
                             lambda c: inpaint_biharmonic(c[1][..., 0], c[2])[..., None]))
    return rows


def sr_rows(denoiser, images):
    rows = []
    for scale in (2, 4):
        cases = []
        for clean in images:
            height, width = (clean.shape[0] // scale) * scale, (clean.shape[1] // scale) * scale
            clean = clean[:height, :width]
            cases.append((clean, FourierOperator(bicubic_otf(scale, clean.shape[:2]), scale).degrade(clean), scale))
        run = lambda prior, c, **kw: restore(c[1], "super-resolve", model=prior, scale=c[2], **kw)  # noqa: E731
        setting = f"super-resolve x{scale}"
        rows += _tunable_rows(setting, "super-resolve", denoiser, cases, run)
        rows.append(_measure(setting, "bicubic upsampling", cases, lambda c: cv2.resize(
            c[1], (c[0].shape[1], c[0].shape[0]), interpolation=cv2.INTER_CUBIC)[..., None]))
    return rows


def _tunable_rows(setting, task, denoiser, cases, run):
    """The tunable prior at the task's defaults, with each switch flipped, and the best single alpha."""
    defaults = DEFAULTS[task]
    rows = [_measure(setting, "tunable prior (HQS)", cases, lambda c: run(denoiser, c))]
    for switch in ("extrapolate", "ensemble"):
        flipped = not getattr(defaults, switch)
        rows.append(_measure(setting, f"tunable prior, {switch} {'on' if flipped else 'off'} (not the default)", cases,
                             lambda c: run(denoiser, c, **{switch: flipped})))
    return rows + [_best_fixed(setting, denoiser, cases, run, defaults.extrapolate)]


def _best_fixed(setting, denoiser, cases, run, extrapolate):
    """The best of ALPHAS held fixed (rho follows the levels as the tunable prior's does)."""
    best = None
    for alpha in ALPHAS:
        prior = FixedAlphaPrior(denoiser, extrapolate)
        prior.alpha = alpha
        row = _measure(setting, f"same model, alpha fixed at {alpha:g} (best single alpha)", cases,
                       lambda c: run(prior, c))
        best = row if best is None or row["psnr"] > best["psnr"] else best
    return best


def _measure(setting, method, cases, function):
    scores, seconds = [], []
    for case in cases:
        start = time.process_time()
        result = np.asarray(function(case), np.float64)
        seconds.append(time.process_time() - start)
        scores.append(psnr(case[0] * 255.0, np.clip(result, 0, 1) * 255.0))
    row = {"setting": setting, "method": method, "psnr": float(np.mean(scores)), "cpu_seconds": float(np.mean(seconds)),
           "cases": len(cases)}
    print(f"{setting:28s} {method:55s} {row['psnr']:6.2f} dB {row['cpu_seconds']:6.2f} s", flush=True)
    return row


def _telea(case):
    noisy = np.round(np.clip(case[1][..., 0], 0, 1) * 255).astype(np.uint8)
    return cv2.inpaint(noisy, case[2].astype(np.uint8), 3, cv2.INPAINT_TELEA)[..., None] / 255.0


def markdown(context, rows):
    lines = ["# Plug-and-play restoration on Set12", "",
             f"Model `{context['model']}`; {context['images']} image(s) of {context['dataset']}. "
             "Made by `python benchmarks/restoration.py` (see its docstring for the protocol). "
             "PSNR in dB on 0-255; CPU seconds of process time per image.", "",
             "| setting | method | PSNR | CPU s / image |", "|---|---|---:|---:|"]
    lines += [f"| {r['setting']} | {r['method']} | {r['psnr']:.2f} | {r['cpu_seconds']:.2f} |" for r in rows]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    main()
