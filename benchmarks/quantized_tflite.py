"""Quantized TFLite against float32: file size, latency at 1 and 2 threads, PSNR per sigma.

    python -m tunablecnn.export --checkpoint-directory zoo/adafm-unet24-gray-15-50 \
        --output-directory exported/adafm-unet24-gray-15-50-quantized --to-tflite --quantize float16 int8
    python benchmarks/quantized_tflite.py --model exported/adafm-unet24-gray-15-50-quantized \
        --dataset ../shared/data/BSD68 --output benchmarks/results/quantized_tflite

For each precision the folder was exported with (float32 and each `--quantize` kind): the size
of `model*.tflite` (uint8 in and out), the median latency of that file on a --size x --size
image at alpha 0.5 (--repeats runs after a warm-up, 1 and 2 interpreter threads, all precisions
in one run so the ratios are comparable), and the mean PSNR on --dataset at the calibrated
alpha of each sigma through `load_model(..., backend="tflite", precision=...)`, twice: "float
in" runs `model_float*.tflite` on the unclipped noisy images (the convention of `python -m
tunablecnn.evaluate`, same noise seeds); "uint8 in" runs `model*.tflite` on the same noisy
images clipped and rounded to uint8, as a camera or a PNG would deliver them. Writes OUTPUT.md
and OUTPUT.json and prints the tables.
"""

import argparse
import os
import sys

import numpy as np

from tunablecnn import load_model
from tunablecnn.evaluate import evaluate, model_method, read_dataset, summarize
from tunablecnn.inference import TFLiteRunner
from tunablecnn.model_folder import FILES, PRECISIONS, read_metadata, resolve, tflite_keys

from tunable_latency import time_runner, write_results  # benchmarks/, beside this script: the one timing loop


def main():
    args = _parser().parse_args()
    folder = resolve(args.model)
    metadata = read_metadata(folder)
    precisions = [p for p in PRECISIONS if tflite_keys(p)[0] in metadata["files"]]
    if len(precisions) < 2:
        sys.exit(f"error: {folder} holds no quantized TFLite files; export it with --to-tflite --quantize float16 int8")
    channels = metadata["model"]["channels"]
    rows = {p: {"size_mb": os.path.getsize(os.path.join(folder, FILES[tflite_keys(p)[0]])) / 1e6} for p in precisions}
    for threads in (1, 2):
        for precision in precisions:
            rows[precision][f"seconds_{threads}_threads"] = _latency(folder, precision, channels, threads, args)
    dataset = read_dataset(args.dataset, channels, args.max_images)
    for precision in precisions:
        for uint8 in (False, True):
            rows[precision]["psnr_uint8_in" if uint8 else "psnr"] = _psnr(folder, precision, dataset, args.sigmas, uint8)
            print(f"{precision} {'uint8' if uint8 else 'float'} in: {rows[precision]['psnr_uint8_in' if uint8 else 'psnr']}",
                  file=sys.stderr, flush=True)
    result = {"model": metadata["name"], "dataset": args.dataset, "images": len(dataset.images), "size": args.size,
              "repeats": args.repeats, "sigmas": args.sigmas, "precisions": rows}
    write_results(args.output, result, markdown(result))


def _latency(folder, precision, channels, threads, args):
    runner = TFLiteRunner(os.path.join(folder, FILES[tflite_keys(precision)[0]]), num_threads=threads)
    image = np.random.default_rng(1).integers(0, 256, (1, args.size, args.size, channels), dtype=np.uint8)
    inputs = {"image": image, "alpha": np.full((1, 1), 0.5, np.float32)} if "alpha" in runner.inputs else {"image": image}
    return time_runner(runner, inputs, args.repeats)


def _psnr(folder, precision, dataset, sigmas, uint8):
    denoiser = load_model(folder, backend="tflite", precision=precision)
    method = model_method(precision, _Uint8Input(denoiser) if uint8 else denoiser, [], calibrated=denoiser.tunable)
    rows = evaluate([method], {denoiser.channels: dataset.images}, sigmas)
    return {f"{row['sigma']:g}": row["psnr"] for row in summarize(rows)}


class _Uint8Input:
    """The denoiser fed its float input clipped and rounded to uint8 (so its uint8 file runs), output back to float."""

    def __init__(self, denoiser):
        self.denoiser = denoiser

    def __getattr__(self, name):
        return getattr(self.denoiser, name)

    def __call__(self, images, **kwargs):
        levels = np.round(np.clip(np.asarray(images) * 255.0, 0, 255)).astype(np.uint8)
        return self.denoiser(levels, **kwargs).astype(np.float32) / 255.0


def markdown(result):
    rows = result["precisions"]
    base = rows["float32"]
    sigmas = list(base["psnr"])
    lines = [
        f"# Quantized TFLite: {result['model']}",
        "",
        f"PSNR: mean over {result['images']} images of {result['dataset']}, calibrated alpha, noise seeds of "
        "`python -m tunablecnn.evaluate`. Latency: median of "
        f"{result['repeats']} runs on a {result['size']}x{result['size']} image at alpha 0.5, one run for all files "
        "(ratios comparable, absolute times depend on the machine's load).",
        "",
        "| precision | file MB | 1 thread s (speed-up) | 2 threads s (speed-up) |",
        "|---|---|---|---|",
    ]
    for name, row in rows.items():
        cells = [f"{row['size_mb']:.2f}"]
        for threads in (1, 2):
            seconds = row[f"seconds_{threads}_threads"]
            cells.append(f"{seconds:.3f} ({base[f'seconds_{threads}_threads'] / seconds:.2f}x)")
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    for key, title in (("psnr", "float in (unclipped noisy image, `model_float*.tflite`)"),
                       ("psnr_uint8_in", "uint8 in (noisy image clipped and rounded, `model*.tflite`)")):
        lines += ["", f"PSNR dB, {title}, and the difference to float32:", "",
                  "| precision | " + " | ".join(f"σ={s}" for s in sigmas) + " |", "|---|" + "---|" * len(sigmas)]
        for name, row in rows.items():
            lines.append(f"| {name} | " + " | ".join(
                f"{row[key][s]:.2f} ({row[key][s] - base[key][s]:+.2f})" for s in sigmas) + " |")
    return "\n".join(lines) + "\n"


def _parser():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", required=True, help="exported folder with quantized TFLite files (or a bundled name)")
    parser.add_argument("--dataset", default="../shared/data/BSD68")
    parser.add_argument("--output", default="benchmarks/results/quantized_tflite",
                        help="path without extension for the .md and .json results")
    parser.add_argument("--sigmas", type=lambda text: [float(s) for s in text.split(",")], default=[15.0, 25.0, 35.0, 50.0])
    parser.add_argument("--max-images", type=int, help="only the first N images of the dataset")
    parser.add_argument("--size", type=int, default=512)
    parser.add_argument("--repeats", type=int, default=5)
    return parser


if __name__ == "__main__":
    main()
