"""Train a pipeline: `python -m tunablecnn.train --pipeline-config P --model-directory D`.

Runs every stage of the pipeline (blind models: one stage; tunable models: `base` at the
start level with alpha = 0, then `tune` at the end level with alpha = 1). Checkpoints go to
D/checkpoints; rerunning the same command after a crash or kill resumes from the latest
one, in the right stage, with optimizer state and step counter. TensorBoard logs go to
D/logs, image grids to D/visualizations, the console log also to D/train.log.

Exit status: 0 done, 1 the loss diverged (NaN/Inf; the last good checkpoint is kept),
2 invalid config or data, 130 interrupted (rerun to resume).
"""

import argparse
import logging
import os

from tunablecnn import cli
from tunablecnn.config import load_pipeline
from tunablecnn.train import TrainingDiverged, train

RESUME_HINT = "interrupted; rerun the same command to resume from the latest checkpoint"


def main(argv=None):
    parser = argparse.ArgumentParser(
        prog="python -m tunablecnn.train", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--pipeline-config", required=True, metavar="FILE", help="pipeline JSON (see tunablecnn/configs/)")
    parser.add_argument("--model-directory", required=True, metavar="DIR", help="where checkpoints, logs and images go")
    parser.add_argument("--verbose", action="store_true",
                        help="also log per-layer sparsity and other details, and TensorFlow's C++ start-up messages")
    args = parser.parse_args(argv)
    return cli.run(_train, args, failures={TrainingDiverged: (1, "error")}, interrupted=RESUME_HINT)


def _train(args):
    pipeline = load_pipeline(args.pipeline_config)
    with cli.removed_if_left_empty(args.model_directory):
        _setup_logging(args.model_directory, args.verbose)
        result = train(pipeline, args.model_directory)
    logging.getLogger("tunablecnn.train").info(
        "done: %d steps, validation PSNR %.2f dB on %s, checkpoint %s", result["global_step"], result["psnr"],
        result["validation"], result["checkpoint"]
    )


def _setup_logging(directory, verbose):
    os.makedirs(directory, exist_ok=True)
    handlers = [logging.StreamHandler(), logging.FileHandler(os.path.join(directory, "train.log"))]
    logging.basicConfig(level=logging.DEBUG if verbose else logging.INFO, format="%(asctime)s %(message)s",
                        handlers=handlers, force=True)
    for noisy in ("absl", "tensorflow", "h5py", "matplotlib", "PIL"):
        logging.getLogger(noisy).setLevel(logging.WARNING)


if __name__ == "__main__":
    cli.exit_after_training(main())
