"""Restore an image with a denoiser as the prior: deblur, inpaint or super-resolve.

  python -m tunablecnn.restore blurred.png --task deblur --kernel kernel.npy --noise-level 2.55 --output sharp.png
  python -m tunablecnn.restore holes.png --task inpaint --mask mask.png --output filled.png
  python -m tunablecnn.restore small.png --task super-resolve --scale 4 --output large.png

Half-quadratic splitting alternates a closed-form data step with the denoiser at noise levels
falling geometrically from --start-level to the measurement noise (--noise-level); a tunable
model follows them through its level calibration. The schedule defaults per task. Colour
images are restored channel by channel with a gray model. --reference adds PSNR to the
progress lines; --save-steps writes a strip of the intermediate images.
"""

import argparse
import logging
import sys

import numpy as np

from tunablecnn import cli
from tunablecnn.data import ImageError, read_image, write_image
from tunablecnn.restore.api import DEFAULT_MODEL, restore
from tunablecnn.restore.tasks import DEFAULTS, SCALES, TASKS, RestoreError

logger = logging.getLogger("tunablecnn.restore")


def main(argv=None):
    args = _parser().parse_args(argv)
    cli.setup_logging(args.verbose)
    return cli.run(_run, args)


def _parser():
    parser = argparse.ArgumentParser(prog="python -m tunablecnn.restore", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("input", metavar="INPUT", help="the degraded image")
    parser.add_argument("--task", required=True, choices=TASKS)
    parser.add_argument("--output", required=True, help="restored image file")
    parser.add_argument("--kernel", help="blur kernel, .npy or an image (normalized to sum 1); deblur, or super-resolve "
                        "instead of bicubic downsampling")
    parser.add_argument("--mask", help="inpaint: image of the input's size, nonzero marks the pixels to fill (as OpenCV)")
    parser.add_argument("--scale", type=int, choices=SCALES, help="super-resolve: upscaling factor")
    parser.add_argument("--noise-level", type=float, default=0.0, help="noise sigma of the input, 0-255 scale (default 0)")
    parser.add_argument("--model", default=DEFAULT_MODEL, help=f"bundled model name or exported folder (default {DEFAULT_MODEL})")
    parser.add_argument("--iterations", type=int, help=_defaults("iterations"))
    parser.add_argument("--start-level", type=float, help=_defaults("start_level"))
    parser.add_argument("--weight", type=float, help="data-step weight: larger trusts the prior more; " + _defaults("weight"))
    parser.add_argument("--extrapolate", action=argparse.BooleanOptionalAction,
                        help="a tunable model follows its level calibration below its trained range (weaker denoising "
                        "than its start level); " + _defaults("extrapolate"))
    parser.add_argument("--self-ensemble", dest="ensemble", action=argparse.BooleanOptionalAction,
                        help="each iteration denoises another flip or rotation of the image (no extra cost); "
                        + _defaults("ensemble"))
    parser.add_argument("--reference", help="the clean image, to show PSNR per iteration")
    parser.add_argument("--save-steps", metavar="STRIP.png", help="write the estimate after every iteration as one strip")
    cli.add_verbose_argument(parser)
    return parser


def _defaults(key):
    values = {task: getattr(d, key) for task, d in DEFAULTS.items()}
    return "default by task: " + ", ".join(f"{task} {'on' if v is True else 'off' if v is False else f'{v:g}'}"
                                           for task, v in values.items())


def _run(args):
    _check_schedule(args)
    image = _read(args.input)
    reference = None if args.reference is None else _read(args.reference)
    steps = []

    def on_step(step):
        psnr = "" if step.psnr is None else f", PSNR {step.psnr:.2f} dB"
        logger.info("iteration %d: level %.2f%s", step.iteration, step.level, psnr)
        steps.append(step.estimate)

    restored = restore(image, args.task, model=args.model, kernel=_kernel(args.kernel), mask=_mask(args.mask),
                       scale=args.scale, noise_level=args.noise_level, iterations=args.iterations,
                       start_level=args.start_level, weight=args.weight, extrapolate=args.extrapolate,
                       ensemble=args.ensemble, reference=reference, on_step=on_step)
    write_image(args.output, restored)
    logger.info("%s -> %s", args.input, args.output)
    if args.save_steps:
        write_image(args.save_steps, np.concatenate(steps, axis=1))
        logger.info("steps -> %s", args.save_steps)


def _check_schedule(args):
    for name in ("iterations", "start_level", "weight"):
        value = getattr(args, name)
        if value is not None and value <= 0:
            raise RestoreError(f"--{name.replace('_', '-')} must be positive; got {value:g}")
    if args.noise_level < 0:
        raise RestoreError(f"--noise-level must be >= 0; got {args.noise_level:g}")


def _read(path):
    """A gray file as [H, W, 1], a colour file as [H, W, 3] (float in [0, 1])."""
    file = read_image(path, 3)
    return file.pixels[..., :1] if "gray image replicated to 3 channels" in file.notes else file.pixels


def _kernel(path):
    if path is None:
        return None
    if not path.lower().endswith(".npy"):
        return read_image(path, 1).pixels[..., 0]
    try:
        return np.load(path, allow_pickle=False)
    except (OSError, ValueError) as error:
        raise ImageError(f"{path}: not a readable NumPy kernel ({error})") from None


def _mask(path):
    return None if path is None else read_image(path, 1).pixels[..., 0]


if __name__ == "__main__":
    sys.exit(main())
