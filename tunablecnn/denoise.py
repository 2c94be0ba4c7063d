"""Denoise image files with a bundled or exported model.

    python -m tunablecnn.denoise noisy.png --model NAME --output clean.png [--alpha 0.4 | --level 25 | --alpha auto]
    python -m tunablecnn.denoise photo.png --model NAME --output clean.png --alpha auto-map
    python -m tunablecnn.denoise a.png b.jpg --model NAME --output out_dir/
    python -m tunablecnn.denoise noisy.png --model NAME --sweep 0:1:0.25 --output sweep.png

PNG, JPEG, BMP and TIFF in (read by `tunablecnn.data.read_image`); 16-bit and float images are
processed in float and written back as 16-bit; an alpha channel is dropped (with a note); a
colour image given to a gray model is converted to gray and a gray image given to a colour model
is replicated to 3 channels (with a note).
`--sweep START:STOP:STEP` writes one labelled grid of the image at several alphas, every panel at
full resolution (or `--crop X,Y,W,H` of it at 1:1, or magnified `--zoom N` times), the estimated
noise sigma on the input and the calibrated alpha for it added as a framed panel.
`--alpha auto-map` estimates the image's signal-dependent noise (variance = a * signal + b)
and gives each pixel the calibrated alpha of its own sigma; it notes the estimate on stderr.
`--self-ensemble` averages the results for the 8 flips and 90-degree rotations (8x slower).
Exit status: 0 done, 2 bad arguments or unreadable input, 130 interrupted.
"""

import argparse
import logging
import os
import sys

import numpy as np

from tunablecnn import cli
from tunablecnn.data import IMAGE_EXTENSIONS, read_image, write_image
from tunablecnn.evaluate.sweep import Crop, sweep_grid
from tunablecnn.inference import BACKENDS, load_model
from tunablecnn.inference.calibration import ALPHA_RANGE
from tunablecnn.model_folder import PRECISIONS

logger = logging.getLogger("tunablecnn.denoise")


def parse_alpha(text):
    if text in ("auto", "auto-map"):
        return text
    low, high = ALPHA_RANGE
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"alpha must be a number in [{low:g}, {high:g}], 'auto' or 'auto-map', "
                                         f"not {text!r}") from None
    if not low <= value <= high:
        raise argparse.ArgumentTypeError(f"alpha must be in [{low:g}, {high:g}], not {value}")
    return value


def parse_sweep(text):
    try:
        start, stop, step = (float(v) for v in text.split(":"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"--sweep wants START:STOP:STEP, e.g. 0:1:0.25, not {text!r}") from None
    if step <= 0 or not 0 <= start <= stop <= 1:
        raise argparse.ArgumentTypeError(f"--sweep needs 0 <= START <= STOP <= 1 and STEP > 0, not {text!r}")
    return [float(a) for a in np.arange(start, stop + step / 2, step)]


def parse_crop(text):
    try:
        return Crop.parse(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def output_paths(inputs, output):
    """One output file for one input named like an image; otherwise a folder with the inputs' names."""
    if len(inputs) == 1 and output.lower().endswith(IMAGE_EXTENSIONS):
        return [output]
    return [os.path.join(output, os.path.basename(path)) for path in inputs]


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m tunablecnn.denoise", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("images", nargs="+", metavar="IMAGE")
    parser.add_argument("--model", required=True, help="bundled model name (see tunablecnn.list_models()) or exported folder")
    parser.add_argument("--output", required=True, help="output image (one input) or folder")
    choice = parser.add_mutually_exclusive_group()
    choice.add_argument("--alpha", type=parse_alpha, help="0 = start level ... 1 = end level (below 0, down to -1.5: weaker "
                        "than the start level), 'auto' (estimate the noise level) "
                        "or 'auto-map' (estimate a signal-dependent noise map: one alpha per pixel)")
    choice.add_argument("--level", type=float, help="noise sigma on the 0-255 scale, mapped to alpha by the calibration")
    choice.add_argument("--sweep", type=parse_sweep, metavar="START:STOP:STEP", help="grid of results at several alphas")
    parser.add_argument("--crop", type=parse_crop, metavar="X,Y,W,H",
                        help="with --sweep: show this region (pixels, top-left X,Y) of every result at 1:1")
    parser.add_argument("--zoom", type=int, metavar="N",
                        help="with --sweep: magnify panels N times (default 1, more for panels under 160 px)")
    parser.add_argument("--backend", choices=BACKENDS, default="saved_model",
                        help="saved_model (TensorFlow, default; fastest on x86 with oneDNN) or tflite (ai-edge-litert, XNNPACK)")
    parser.add_argument("--threads", type=int, metavar="N",
                        help="TFLite interpreter threads (with --backend tflite; default every core)")
    parser.add_argument("--precision", choices=PRECISIONS, default="float32",
                        help="with --backend tflite: which TFLite files run, float32 (default) or a quantized "
                             "form the model was exported with (export --to-tflite --quantize KIND)")
    parser.add_argument("--self-ensemble", action="store_true",
                        help="average the results for the 8 flips and 90-degree rotations: a little better, 8x slower")
    cli.add_verbose_argument(parser)
    args = parser.parse_args(argv)
    if not args.sweep and (args.crop is not None or args.zoom is not None):
        parser.error("--crop and --zoom shape the --sweep figure: give --sweep too")
    if args.threads is not None and (args.backend != "tflite" or args.threads < 1):
        parser.error("--threads N (N >= 1) sets the TFLite interpreter's threads: use it with --backend tflite")
    if args.precision != "float32" and args.backend != "tflite":
        parser.error(f"--precision {args.precision} picks quantized TFLite files: use it with --backend tflite")
    cli.setup_logging(args.verbose)
    return cli.run(_run, args)


def _run(args):
    denoiser = load_model(args.model, backend=args.backend, num_threads=args.threads, precision=args.precision)
    for source, target in zip(args.images, output_paths(args.images, args.output)):
        file = read_image(source, denoiser.channels)
        for note in file.notes:
            logger.info("%s: %s", source, note)
        image = _model_input(file)
        if args.sweep:
            target = os.path.splitext(target)[0] + ".png"
            sweep_grid(target, image, denoiser, args.sweep, crop=args.crop, zoom=args.zoom)
            logger.info("%s -> %s", source, target)
        else:
            restored, how = denoise_one(denoiser, image, args.alpha, args.level, args.self_ensemble, source)
            write_image(target, restored, 8 if file.bits == 8 else 16)
            logger.info("%s -> %s%s", source, target, how)


def _model_input(file):
    """8-bit files go in as uint8 (the model's uint8 signature, as an app feeds it); deeper ones as float."""
    return np.round(file.pixels * 255.0).astype(np.uint8) if file.bits == 8 else file.pixels


def denoise_one(denoiser, image, alpha, level, self_ensemble=False, source="image"):
    """`(restored, note)`: the note says which alpha a tunable model used and how it was chosen.

    A level (given or estimated) outside the model's calibrated range is reported on stderr.
    """
    if not denoiser.tunable:  # the denoiser refuses alpha/level for blind models with a clear error
        return denoiser(image, alpha=alpha, level=level, self_ensemble=self_ensemble), ""
    alpha, how = _choose_alpha(denoiser, image, alpha, level, source)
    used = f"alpha map {alpha.min():.2f}-{alpha.max():.2f}" if np.ndim(alpha) else f"alpha {alpha:.2f}"
    return denoiser(image, alpha=alpha, self_ensemble=self_ensemble), f" ({used}: {how})"


def _choose_alpha(denoiser, image, alpha, level, source):
    if alpha == "auto-map":
        return _auto_alpha_map(denoiser, image, source)
    if level is None and alpha not in (None, "auto"):
        return alpha, "given"
    if level is not None:
        alpha, how = denoiser.alpha_for_level(level), f"level {level:g}"
    else:
        alpha, level = denoiser.auto_alpha(image)
        how = f"estimated noise sigma {level:.1f}"
    outside = denoiser.range_note(level, alpha, how)
    if outside:
        print(f"note: {source}: {outside}", file=sys.stderr)
    return alpha, how


def _auto_alpha_map(denoiser, image, source):
    """The alpha map of the image's estimated noise model, noted on stderr with the estimate."""
    alphas, estimate = denoiser.auto_alpha_map(image)
    print(f"note: {source}: estimated noise variance = {estimate['a']:.3g} * signal + {estimate['b']:.3g} "
          f"(0-255 scale): sigma {estimate['sigma'][0]:.1f}-{estimate['sigma'][1]:.1f}, "
          f"alpha {estimate['alpha'][0]:.2f}-{estimate['alpha'][1]:.2f}", file=sys.stderr)
    if estimate["note"]:
        print(f"note: {source}: {estimate['note']}", file=sys.stderr)
    return alphas, "estimated noise map"


if __name__ == "__main__":
    sys.exit(main())
