"""Export a trained model: SavedModel (+ TFLite) with `alpha` still a runtime input.

    python -m tunablecnn.export --checkpoint-directory runs/quickstart --output-directory exported/quickstart --to-tflite

Writes OUTPUT/{pipeline.json, model.weights.h5, saved_model/, model.tflite, model_float.tflite,
metadata.json} (and model_<KIND>.tflite, model_float_<KIND>.tflite for each --quantize KIND),
first into a temporary folder beside OUTPUT that replaces it only once the export has verified
itself: OUTPUT always holds one complete export. Signature
`serving_default` (SavedModel and both .tflite files): `image` uint8 [N, H, W, C] (and `alpha`
float32 [N, 1] for tunable models) -> `denoised` uint8. The export verifies itself against the
Keras model at alpha 0, 0.25, 0.5, 0.75 and 1 and fails (exit 1) if a float32 export differs
by more than one gray level (quantized files: float16 2, dynamic and int8 24 levels, which
only a broken conversion exceeds; their quality is measured by benchmarks/quantized_tflite.py).
Tunable models are calibrated: the metadata maps noise levels to
the best alpha, measured on clean images from --calibration-directory (default: the
validation images the training held out of the pipeline's dataset, so alpha is chosen on
images the model never saw).

--checkpoint-directory may also be an exported folder or a bundled model's name, to write the
files it ships without (a bundled model may leave out its .tflite files and Keras weights; its
SavedModel holds the same weights):

    python -m tunablecnn.export --checkpoint-directory adafm-unet20d4-gray-15-50 --output-directory exported/flagship --to-tflite

Its calibration and recorded metrics are then kept (the same weights); give
--calibration-directory to measure the calibration again.

Exit status: 0 done, 1 verification failed, 2 bad arguments, config or checkpoint, or an
OUTPUT folder that holds something other than an export, 130 interrupted.
"""

import argparse
import logging
import os
import sys

from tunablecnn import cli
from tunablecnn.config import load_pipeline
from tunablecnn.export.exporter import calibration_crops, calibration_files, export_model
from tunablecnn.train.checkpoints import resolve_weights
from tunablecnn.export.verify import VerificationError
from tunablecnn.model_folder import QUANTIZATIONS, is_model_folder, list_models, read_metadata, resolve


def main(argv=None):
    parser = _parser()
    args = parser.parse_args(argv)
    if args.quantize and not args.to_tflite:
        parser.error("--quantize writes quantized TFLite files beside the float32 ones: add --to-tflite")
    cli.setup_logging(args.verbose, "%(asctime)s %(message)s")
    return cli.run(_export, args, failures={VerificationError: (1, "verification failed")})


def _export(args):
    source = _source(args.checkpoint_directory)
    pipeline = load_pipeline(args.pipeline_config or os.path.join(source, "pipeline.json"))
    weights = resolve_weights(source)
    kept = _kept_from(source, args)
    crops = None if kept and "int8" not in args.quantize else _calibration(pipeline, args)  # int8 measures ranges on them
    metadata = export_model(pipeline, weights, args.output_directory, to_tflite=args.to_tflite,
                            quantize=args.quantize, calibration_images=crops, **kept)
    print(f"exported {metadata['name']} to {args.output_directory} (verification: "
          f"{metadata['verification']['max_abs_difference_gray_levels']})")


def _source(path):
    """`path`, or the folder of the bundled model of that name."""
    if os.path.exists(path) or path not in list_models():
        return path
    return resolve(path)


def _kept_from(source, args):
    """An exported folder's calibration and recorded metrics, which hold for the same weights
    (unless --calibration-directory or --calibration-images asks to measure again); else {}."""
    if not is_model_folder(source) or args.calibration_directory or args.calibration_images is not None:
        return {}
    earlier = read_metadata(source)
    calibration = (earlier.get("tunable") or {}).get("calibration")
    logging.info("kept the calibration and metrics of %s (the same weights)", source)
    return {"calibration": calibration or None, "metrics": earlier.get("metrics") or None}


def _calibration(pipeline, args):
    if "tunable" not in pipeline or args.calibration_images == 0:
        return None
    if args.calibration_directory:
        paths = [args.calibration_directory]
    elif pipeline["dataset"].get("directory"):
        paths = calibration_files(pipeline["dataset"])
    else:
        logging.warning("no calibration images (give --calibration-directory): level= and alpha='auto' will be unavailable")
        return None
    channels = pipeline["model"]["input_shape"][2]
    return calibration_crops(paths, channels, count=args.calibration_images)


def _parser():
    parser = argparse.ArgumentParser(prog="python -m tunablecnn.export", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--checkpoint-directory", required=True, metavar="DIR",
                        help="a training --model-directory, its checkpoints/ folder, one ckpt-* folder, or "
                             "an exported model folder or bundled model name (to add TFLite files, say: its "
                             "Keras weights, or its SavedModel's variables when it ships without them, and "
                             "its calibration and recorded metrics are kept)")
    parser.add_argument("--pipeline-config", metavar="FILE", help="pipeline JSON (default: DIR/pipeline.json)")
    parser.add_argument("--output-directory", required=True, metavar="OUT")
    parser.add_argument("--to-tflite", action="store_true", help="also write model.tflite and model_float.tflite")
    parser.add_argument("--quantize", nargs="+", choices=QUANTIZATIONS, default=[], metavar="KIND",
                        help="also write quantized TFLite files beside the float32 ones (needs --to-tflite): "
                             "float16 (half-size weights), dynamic (int8 weights), int8 (int8 weights and "
                             "activations, ranges measured on the noisy calibration images over the alpha "
                             "range); each is checked against Keras; load one with "
                             "load_model(..., backend='tflite', precision=KIND) or denoise --precision KIND")
    parser.add_argument("--calibration-directory", metavar="DIR", help="clean images for the alpha calibration")
    parser.add_argument("--calibration-images", type=int, default=None, metavar="N",
                        help="use only the first N calibration images (0 skips the calibration; default all)")
    cli.add_verbose_argument(parser)
    return parser


if __name__ == "__main__":
    sys.exit(main())
