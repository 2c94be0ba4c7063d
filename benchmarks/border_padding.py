"""What the U-Net's padding to a multiple of 2^depth costs at the image border.

    python benchmarks/border_padding.py --model exported/adafm-unet24-gray-15-50 \
        --model adafm-unet20d4-gray-15-50 --sigmas 15,50 --output benchmarks/results/border_padding

A U-Net pads its input at the bottom/right to a multiple of 2^depth and crops the output back
(`tunablecnn.layers.PadToMultiple`). Until 2026-12-04 that padding was a band of zeros; since then
it mirrors the image. The zero band is reproduced here without the old graph: padding the noisy
image with zeros to the multiple *before* the model leaves the model nothing to pad. That is the old
graph up to the last row and column: the model's 1-channel output convolution runs after its crop,
so with the padding outside it also sees the band there (on BSD68 at sigma 15 the emulation scores
31.43 dB for `adafm-unet24-gray-15-50`, the old graph 31.40). Modes, each scored on --dataset at the calibrated alpha of
each sigma (the evaluation's noise convention and seeds): `zero band` (the old graph),
`mirror` (the model as exported now), `mirror + margin M` (the image mirrored by M pixels on all
four sides first, then cropped: does the convolutions' own zero padding at the border cost too?).
Writes OUTPUT.md and OUTPUT.json.
"""

import argparse
import os
import sys

import numpy as np

from tunablecnn import load_model, load_pipeline
from tunablecnn.evaluate import read_dataset
from tunablecnn.metrics import add_noise, noise_seed, psnr
from tunablecnn.model_folder import FILES, resolve

from tunable_latency import write_results  # benchmarks/, beside this script

MODES = {"zero band": ("constant", 0), "mirror": (None, 0), "mirror + margin 8": ("symmetric", 8),
         "mirror + margin 16": ("symmetric", 16)}


def main():
    args = _parser().parse_args()
    rows = []
    for name in args.model:
        denoiser = load_model(name)
        model = load_pipeline(os.path.join(resolve(name), FILES["pipeline"]))["model"]
        if model["type"] != "unet":
            sys.exit(f"error: {name} is a {model['type']} model; only a U-Net pads to a multiple (--model)")
        multiple = 2 ** model["depth"]
        dataset = read_dataset(args.dataset, denoiser.metadata["model"]["channels"], args.max_images)
        for sigma in args.sigmas:
            alpha = denoiser.alpha_for_level(sigma) if denoiser.tunable else None
            pairs = [(clean, add_noise(clean, sigma, noise_seed(0, i, sigma)) / 255.0)
                     for i, (_, clean) in enumerate(dataset.images)]
            for mode, (numpy_mode, margin) in MODES.items():
                scores = [psnr(clean, np.clip(_denoise(denoiser, noisy, alpha, multiple, numpy_mode, margin), 0, 1) * 255)
                          for clean, noisy in pairs]
                rows.append({"model": denoiser.name, "sigma": sigma, "mode": mode, "psnr": float(np.mean(scores))})
                print(f"{denoiser.name} sigma {sigma:g} {mode}: {rows[-1]['psnr']:.3f} dB", flush=True)
    result = {"dataset": args.dataset, "images": len(dataset.images), "rows": rows}
    write_results(args.output, result, markdown(result))


def _denoise(denoiser, noisy, alpha, multiple, numpy_mode, margin):
    """`noisy` [H, W, C] float padded as `numpy_mode` (None: not at all), denoised, cropped back."""
    if numpy_mode is None:
        return denoiser(noisy.astype(np.float32), alpha=alpha)
    height, width = noisy.shape[:2]
    bottom, right = (-(height + 2 * margin)) % multiple, (-(width + 2 * margin)) % multiple
    padded = np.pad(noisy, ((margin, margin + bottom), (margin, margin + right), (0, 0)), mode=numpy_mode)
    return denoiser(padded.astype(np.float32), alpha=alpha)[margin:margin + height, margin:margin + width]


def markdown(result):
    sigmas = sorted({row["sigma"] for row in result["rows"]})
    lines = [f"# Border padding: {result['dataset']} ({result['images']} images), PSNR dB at the calibrated alpha", "",
             "| model | padding | " + " | ".join(f"σ={s:g}" for s in sigmas) + " |",
             "|---|---|" + "---:|" * len(sigmas)]
    for model in dict.fromkeys(row["model"] for row in result["rows"]):
        for mode in MODES:
            cells = [next(r["psnr"] for r in result["rows"] if (r["model"], r["mode"], r["sigma"]) == (model, mode, s))
                     for s in sigmas]
            lines.append(f"| {model} | {mode} | " + " | ".join(f"{c:.2f}" for c in cells) + " |")
    return "\n".join(lines) + "\n"


def _parser():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", action="append", required=True, metavar="NAME|FOLDER", help="a U-Net model; repeatable")
    parser.add_argument("--dataset", default="../shared/data/BSD68")
    parser.add_argument("--sigmas", type=lambda text: [float(s) for s in text.split(",")], default=[15.0, 50.0])
    parser.add_argument("--max-images", type=int)
    parser.add_argument("--output", required=True, help="path without extension: writes OUTPUT.md and OUTPUT.json")
    return parser


if __name__ == "__main__":
    main()
