"""Evaluate denoisers and baselines on a folder of clean images.

    python -m tunablecnn.evaluate --model NAME|PATH [--model ...] --dataset DIR --output REPORT_DIR
        [--sigmas 15,25,35,50] [--alphas 0:1:0.1] [--calibrated] [--baselines bm3d,nlm]
        [--max-images N] [--seed 0] [--self-ensemble] [--record-metrics] [--baseline-cache FILE]

Convention (DnCNN/FFDNet/DRUNet): clean image in [0, 255], unclipped Gaussian noise with a fixed
seed per image and sigma, denoise, clip to [0, 255], PSNR (peak 255) and SSIM, mean over images.
Blind models run once per sigma; tunable models run at every alpha of --alphas and/or at the
calibrated alpha of each sigma (--calibrated); with neither option, calibrated if the model has
a calibration, else the grid 0:1:0.1. Baselines: OpenCV non-local means (nlm) and BM3D (bm3d,
optional package). Writes per_image.csv, summary.csv, results.json, report.md and PNG plots.
Files that give no image (not an image, truncated, corrupt) and images converted to the model's
channels (colour to gray, gray to RGB) are listed in report.md and results.json and noted on stderr.
--record-metrics also stores each model's mean PSNR/SSIM per sigma in its metadata.json under
`metrics.<dataset folder name>` (done for the bundled models' READMEs). --baseline-cache FILE
keeps baseline scores keyed by the exact noisy image, so BM3D runs once across evaluations.
--self-ensemble adds `<name>+x8` rows: each model averaged over the 8 flips and 90-degree
rotations of its input (8x the time; calibrated alpha only, for calibrated models).
Exit status: 0 done, 2 bad arguments, unknown model or unusable dataset, 130 interrupted.
"""

import argparse
import logging
import math
import os
import sys

import numpy as np

from tunablecnn import cli
from tunablecnn.evaluate import (
    BASELINES,
    NLM_H_COLOR,
    NLM_H_GRAY,
    ScoreCache,
    baseline_methods,
    dataset_notes,
    dataset_record,
    evaluate,
    model_methods,
    model_metrics,
    read_dataset,
    summarize,
    write_report,
)
from tunablecnn.inference.calibration import ALPHA_RANGE
from tunablecnn.model_folder import record_metrics, resolve

logger = logging.getLogger("tunablecnn.evaluate")


def main(argv=None):
    args = _parser().parse_args(argv)
    cli.setup_logging(args.verbose)
    return cli.run(_run, args)


def _parser():
    parser = argparse.ArgumentParser(prog="python -m tunablecnn.evaluate", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", action="append", required=True, metavar="NAME|PATH",
                        help="bundled model name or exported folder; repeat for several models")
    parser.add_argument("--dataset", required=True, metavar="DIR", help="folder of clean images (searched recursively)")
    parser.add_argument("--output", required=True, metavar="REPORT_DIR", help="folder for the report files")
    parser.add_argument("--sigmas", type=_checked(parse_sigmas), default=[15.0, 25.0, 35.0, 50.0],
                        help="noise sigmas on the 0-255 scale (default 15,25,35,50)")
    parser.add_argument("--alphas", type=_checked(parse_alphas), metavar="START:STOP:STEP|A,B,...",
                        help="alpha grid for tunable models (modulation curves), e.g. 0:1:0.1")
    parser.add_argument("--calibrated", action="store_true",
                        help="tunable models at the calibrated alpha (level=sigma)")
    parser.add_argument("--baselines", type=_checked(_parse_baselines), default=[],
                        help=f"comma list from {','.join(BASELINES)} (default none)")
    parser.add_argument("--max-images", type=_checked(_positive_int), metavar="N", help="only the first N images")
    parser.add_argument("--seed", type=_checked(_non_negative_int), default=0, help="base noise seed (default 0)")
    parser.add_argument("--self-ensemble", action="store_true",
                        help="also run each model as <name>+x8: the mean over the 8 flips and 90-degree rotations "
                             "(calibrated alpha only for calibrated models; 8x the time)")
    parser.add_argument("--record-metrics", action="store_true",
                        help="write each model's results into its metadata.json (metrics.<dataset name>)")
    parser.add_argument("--baseline-cache", metavar="FILE",
                        help="JSON-lines file of baseline scores to reuse and extend (keyed by method and noisy image)")
    cli.add_verbose_argument(parser)
    return parser


def _run(args):
    methods = model_methods(args.model, args.alphas, args.calibrated, args.self_ensemble)
    channels = {m.channels for m in methods}
    baselines, notices = baseline_methods(args.baselines, channels)
    for notice in notices:
        print(f"note: {notice}", file=sys.stderr)
    datasets = {c: read_dataset(args.dataset, c, args.max_images) for c in sorted(channels)}
    record = dataset_record(datasets, methods + baselines)
    for line in dataset_notes(record):
        print(f"note: {line}", file=sys.stderr)
    cache = ScoreCache(args.baseline_cache) if args.baseline_cache else None
    images = {c: d.images for c, d in datasets.items()}
    rows = evaluate(methods + baselines, images, args.sigmas, args.seed, progress=_progress, cache=cache)
    if cache:
        notices.append(f"{cache.hits} baseline score(s) read from {args.baseline_cache} (same method, same noisy image).")
    context = {"dataset": args.dataset, "sigmas": args.sigmas, "seed": args.seed, "models": args.model,
               "baselines": args.baselines, "images": {str(c): [name for name, _ in d] for c, d in images.items()},
               **record, "notes": _notes(args) + notices}
    for path in write_report(args.output, context, rows):
        logger.info("wrote %s", path)
    if args.record_metrics:
        _record_metrics(args, methods, summarize(rows))


def _record_metrics(args, methods, summary):
    dataset = os.path.basename(os.path.normpath(args.dataset))
    note = {"seed": args.seed, "max_images": args.max_images, "command": "python -m tunablecnn.evaluate"}
    plain = [m for m in methods if not m.self_ensemble]
    for spec, method in zip(args.model, plain):  # model_methods keeps the order of --model
        path = record_metrics(resolve(spec), dataset, {**note, "sigmas": model_metrics(summary, method.name)})
        logger.info("recorded %s metrics in %s", dataset, path)


def _notes(args):
    notes = ["Blind models run once per sigma; tunable models at the calibrated alpha (level=sigma) and/or at "
             "each alpha of the grid."]
    if "nlm" in args.baselines:
        notes.append(f"nlm: OpenCV fastNlMeansDenoising h = {NLM_H_GRAY} * sigma (gray), fastNlMeansDenoisingColored "
                     f"h = hColor = {NLM_H_COLOR} * sigma (RGB); it takes uint8 only, so its noisy input is clipped "
                     "to [0, 255] and rounded (a limitation of the baseline).")
    if "bm3d" in args.baselines:
        notes.append("bm3d: bm3d.bm3d / bm3d_rgb(noisy / 255, sigma_psd=sigma / 255) on the unclipped noisy image.")
    return notes


def _progress(channels, done, total):
    kind = "gray" if channels == 1 else "RGB"
    end = "\n" if done == total else ""
    print(f"\r{kind} images: {done}/{total}", end=end, file=sys.stderr, flush=True)


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
    """`"0:1:0.1"` (START:STOP:STEP, STOP included) or `"0,0.5,1"` -> sorted distinct alphas in `ALPHA_RANGE`."""
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
    low, high = ALPHA_RANGE
    if not all(low <= a <= high for a in alphas):
        raise ValueError(f"--alphas must lie in [{low:g}, {high:g}], not {text!r}")
    return alphas


def _checked(parse):
    def parse_argument(text):
        try:
            return parse(text)
        except ValueError as error:
            raise argparse.ArgumentTypeError(str(error)) from None

    parse_argument.__name__ = parse.__name__
    return parse_argument


def _parse_baselines(text):
    names = [name.strip().lower() for name in text.split(",") if name.strip()]
    unknown = sorted(set(names) - set(BASELINES))
    if unknown:
        raise ValueError(f"unknown baseline(s) {', '.join(unknown)}; choose from {', '.join(BASELINES)}")
    return list(dict.fromkeys(names))


def _positive_int(text):
    value = _non_negative_int(text)
    if value == 0:
        raise ValueError(f"expected an integer >= 1, not {text!r}")
    return value


def _non_negative_int(text):
    try:
        value = int(text)
    except ValueError:
        raise ValueError(f"expected an integer, not {text!r}") from None
    if value < 0:
        raise ValueError(f"expected an integer >= 0, not {text!r}")
    return value


if __name__ == "__main__":
    sys.exit(main())
