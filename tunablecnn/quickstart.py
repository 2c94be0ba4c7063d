"""From nothing to a denoised image, offline: train, export and use a small tunable model.

    python -m tunablecnn.quickstart [--directory runs/quickstart] [--verbose]

1. trains `configs/quickstart.json` (an AdaFM ResNet, sigma 15 -> 50) on the sample images
   bundled with scikit-image, both stages, resumable like any training run;
2. exports it (SavedModel + TFLite, verified, calibrated) to DIRECTORY/exported;
3. adds sigma-25 noise to matplotlib's sample photo `grace_hopper.jpg` (in gray), a picture
   it did not train on, and denoises it at the calibrated alpha, writing DIRECTORY/noisy.png,
   DIRECTORY/denoised.png and an alpha sweep DIRECTORY/sweep.png, and prints the PSNR before
   and after.
"""

import argparse
import os

import matplotlib
import numpy as np

from tunablecnn import cli
from tunablecnn.config import config_path, load_pipeline
from tunablecnn.data import read_image, write_image
from tunablecnn.evaluate import sweep_grid
from tunablecnn.export.exporter import calibration_crops, export_model
from tunablecnn.inference import load_model
from tunablecnn.metrics import add_noise, psnr
from tunablecnn.train import TrainingDiverged, train

SIGMA = 25
# The quickstart trains on every picture bundled with scikit-image, so it is scored on one from
# elsewhere: matplotlib (a dependency) ships this photo.
SCORED_IMAGE = "grace_hopper.jpg"


def scored_image():
    """(path, gray image as float64 on the 0-255 scale) of the picture the quickstart denoises and scores."""
    path = os.path.join(matplotlib.get_data_path(), "sample_data", SCORED_IMAGE)
    return path, read_image(path, 1).pixels[..., 0].astype(np.float64) * 255.0


def run(directory):
    """Train, export and denoise in `directory`; return (noisy PSNR, denoised PSNR, calibrated alpha)."""
    pipeline = load_pipeline(config_path("quickstart.json"))
    result = train(pipeline, directory)
    exported = os.path.join(directory, "exported")
    crops = calibration_crops(pipeline["dataset"]["directory"], channels=1, count=6)
    export_model(pipeline, os.path.join(result["checkpoint"], "model.weights.h5"), exported, calibration_images=crops)
    clean = scored_image()[1]
    noisy = add_noise(clean, SIGMA, seed=0)
    denoiser = load_model(exported)
    restored = denoiser(noisy.astype(np.float32)[..., None] / 255.0, level=SIGMA)[..., 0] * 255.0
    write_image(os.path.join(directory, "noisy.png"), noisy / 255.0)
    write_image(os.path.join(directory, "denoised.png"), restored / 255.0)
    sweep_grid(os.path.join(directory, "sweep.png"), np.clip(noisy / 255.0, 0, 1).astype(np.float32), denoiser,
               [0.0, 0.25, 0.5, 0.75, 1.0])
    return psnr(clean, np.clip(noisy, 0, 255)), psnr(clean, np.clip(restored, 0, 255)), denoiser.alpha_for_level(SIGMA)


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m tunablecnn.quickstart", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--directory", default=os.path.join("runs", "quickstart"), help="default: runs/quickstart")
    cli.add_verbose_argument(parser)
    args = parser.parse_args(argv)
    cli.setup_logging(args.verbose, "%(asctime)s %(message)s")
    return cli.run(_quickstart, args.directory, failures={TrainingDiverged: (1, "error")},
                   interrupted="interrupted; rerun the same command to resume training from the latest checkpoint")


def _quickstart(directory):
    with cli.removed_if_left_empty(directory):
        before, after, alpha = run(directory)
    print(f"\n{SCORED_IMAGE} (matplotlib's sample photo, not a training image), sigma {SIGMA}: "
          f"noisy {before:.2f} dB -> denoised {after:.2f} dB at the calibrated alpha {alpha:.2f}")
    print(f"images: {directory}/noisy.png, denoised.png, sweep.png; model: {directory}/exported")


if __name__ == "__main__":
    cli.exit_after_training(main())
