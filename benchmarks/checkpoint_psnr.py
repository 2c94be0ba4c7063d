"""How far has a training run got? Its newest checkpoint beside bundled models, on its held-out images.

    python benchmarks/checkpoint_psnr.py zoo/adafm-unet20d4-gray-15-50 \
        [--against adafm-unet20d4-gray-15-50] [--sigma 15] [--alpha 0]

The trainer's validation PSNR is measured on a fixed batch of crops whose size follows each run's
config, so two runs' numbers do not compare. This scores the run's newest checkpoint and each
`--against` model on the same full images: the run's held-out validation images (the config's
`dataset` section), the same noise (seed per image), tunable models at `--alpha` (0 = the start
level, the base stage's network). Prints the mean PSNR of each; uses no test set.
"""

import argparse
import os

import numpy as np

import tunablecnn
from tunablecnn import build_model, load_pipeline
from tunablecnn.data import read_image
from tunablecnn.data.split import dataset_files
from tunablecnn.metrics import psnr
from tunablecnn.train.checkpoints import CheckpointStore, resolve_weights


def main():
    args = _parser().parse_args()
    pipeline = load_pipeline(os.path.join(args.run, "pipeline.json"))
    channels = pipeline["model"]["input_shape"][2]
    model = build_model(pipeline)
    model.load_weights(resolve_weights(args.run))
    tunable = "tunable" in pipeline
    scores = {f"{args.run} (step {_step(args.run)})": lambda x: _run_keras(model, x, args.alpha, tunable)}
    for name in args.against:
        denoiser = tunablecnn.load_model(name)
        scores[name] = lambda x, d=denoiser: d(x, alpha=args.alpha) if d.tunable else d(x)
    files = dataset_files(pipeline["dataset"]).validation
    for label, denoise in scores.items():
        values = [_score(denoise, path, channels, args.sigma, seed) for seed, path in enumerate(files)]
        print(f"{label}: {np.mean(values):.3f} dB at sigma {args.sigma:g}, alpha {args.alpha:g}, "
              f"{len(files)} held-out images")


def _run_keras(model, image, alpha, tunable):
    inputs = {"image": image[None], "alpha": np.full((1, 1), alpha, np.float32)} if tunable else image[None]
    return np.asarray(model(inputs, training=False))[0]


def _score(denoise, path, channels, sigma, seed):
    clean = read_image(path, channels).pixels.astype(np.float32)
    noisy = clean + np.random.default_rng(seed).normal(0, sigma / 255, clean.shape).astype(np.float32)
    return psnr(clean * 255, np.clip(denoise(noisy), 0, 1) * 255)


def _step(run):
    return CheckpointStore.read_state(CheckpointStore.latest_in(os.path.join(run, "checkpoints")))["global_step"]


def _parser():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("run", help="a training model directory (pipeline.json and checkpoints/)")
    parser.add_argument("--against", action="append", default=[], metavar="NAME|PATH",
                        help="a bundled model or exported folder to score beside it; repeatable")
    parser.add_argument("--sigma", type=float, default=15.0)
    parser.add_argument("--alpha", type=float, default=0.0, help="alpha of tunable models (default 0)")
    return parser


if __name__ == "__main__":
    main()
