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
import sys

from tunablecnn.cli import removed_if_left_empty
from tunablecnn.config import ConfigError, load_pipeline
from tunablecnn.train import TrainingDiverged, train


def main(argv=None):
    parser = argparse.ArgumentParser(
        prog="python -m tunablecnn.train", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--pipeline-config", required=True, metavar="FILE", help="pipeline JSON (see tunablecnn/configs/)")
    parser.add_argument("--model-directory", required=True, metavar="DIR", help="where checkpoints, logs and images go")
    parser.add_argument("--verbose", action="store_true",
                        help="also log per-layer sparsity and other details, and TensorFlow's C++ start-up messages")
    args = parser.parse_args(argv)
    try:
        pipeline = load_pipeline(args.pipeline_config)
        with removed_if_left_empty(args.model_directory):
            _setup_logging(args.model_directory, args.verbose)
            result = train(pipeline, args.model_directory)
    except ConfigError as error:
        print(error, file=sys.stderr)
        return 2
    except TrainingDiverged as error:
        logging.getLogger("tunablecnn.train").error("%s", error)
        return 1
    except KeyboardInterrupt:
        print("\ninterrupted; rerun the same command to resume from the latest checkpoint", file=sys.stderr)
        return 130
    logging.getLogger("tunablecnn.train").info(
        "done: %d steps, validation PSNR %.2f dB on %s, checkpoint %s", result["global_step"], result["psnr"],
        result["validation"], result["checkpoint"]
    )
    return 0


def _setup_logging(directory, verbose):
    os.makedirs(directory, exist_ok=True)
    handlers = [logging.StreamHandler(), logging.FileHandler(os.path.join(directory, "train.log"))]
    logging.basicConfig(level=logging.DEBUG if verbose else logging.INFO, format="%(asctime)s %(message)s",
                        handlers=handlers, force=True)
    for noisy in ("absl", "tensorflow", "h5py", "matplotlib", "PIL"):
        logging.getLogger(noisy).setLevel(logging.WARNING)


def exit_now(status):
    """Exit at once after a failure. With batches still in flight, tf.data's `numpy_function`
    decoder threads can deadlock interpreter shutdown (seen after Ctrl-C in long runs); the
    checkpoints are already on disk, so skipping the rest of shutdown loses nothing."""
    logging.shutdown()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(status)


if __name__ == "__main__":
    status = main()
    if status != 0:  # 2 included: a dataset that fails mid-run leaves tf.data threads behind too
        exit_now(status)
    sys.exit(status)
