"""Denoise image files with a bundled or exported model.

    python -m tunablecnn.denoise noisy.png --model NAME --output clean.png [--alpha 0.4 | --level 25 | --alpha auto]
    python -m tunablecnn.denoise a.png b.jpg --model NAME --output out_dir/
    python -m tunablecnn.denoise noisy.png --model NAME --sweep 0:1:0.25 --output sweep.png

PNG, JPEG, BMP and TIFF in; 16-bit images are processed in float and written back as 16-bit;
an alpha channel is dropped (with a note); a colour image given to a gray model is converted
to gray and a gray image given to a colour model is replicated to 3 channels (with a note).
`--sweep START:STOP:STEP` writes one labelled grid of the image at several alphas.
`--self-ensemble` averages the results for the 8 flips and 90-degree rotations (8x slower).
Exit status: 0 done, 2 bad arguments or unreadable input.
"""

import argparse
import logging
import os
import sys

import numpy as np

from tunablecnn.cli import add_verbose_argument, setup_logging
from tunablecnn.inference import BACKENDS, load_model

logger = logging.getLogger("tunablecnn.denoise")
IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp", ".tif", ".tiff")


class InputError(ValueError):
    """A file or argument the command cannot use; the message says why."""


def read_image(path, channels):
    """Read `path` as RGB/gray matching `channels`; return (array uint8 or float32 [0, 1], bit depth)."""
    import cv2

    if not os.path.isfile(path):
        raise InputError(f"{path}: file not found")
    image = cv2.imdecode(np.fromfile(path, np.uint8), cv2.IMREAD_UNCHANGED)
    if image is None:
        raise InputError(f"{path}: not a readable PNG, JPEG, BMP or TIFF image")
    if image.dtype not in (np.uint8, np.uint16):
        raise InputError(f"{path}: {image.dtype} pixels are not supported (8- or 16-bit images only)")
    bits = 16 if image.dtype == np.uint16 else 8
    image = _match_channels(path, image, channels)
    return (image if bits == 8 else image.astype(np.float32) / 65535.0), bits


def write_image(path, image, bits):
    import cv2

    if bits == 16:
        image = np.round(np.clip(image, 0, 1) * 65535).astype(np.uint16)
    if image.ndim == 3 and image.shape[-1] == 3:
        image = cv2.cvtColor(image, cv2.COLOR_RGB2BGR)
    folder = os.path.dirname(os.path.abspath(path))
    os.makedirs(folder, exist_ok=True)
    if not cv2.imwrite(path, image):
        raise InputError(f"{path}: cannot write (use a .png, .jpg, .bmp or .tif name)")


def _match_channels(path, image, channels):
    import cv2

    if image.ndim == 3 and image.shape[-1] == 4:
        logger.info("%s: alpha channel dropped", path)
        image = image[..., :3]
    if image.ndim == 3 and image.shape[-1] == 3:
        image = cv2.cvtColor(image, cv2.COLOR_BGR2RGB)
        if channels == 1:
            logger.info("%s: colour image converted to gray for this gray model", path)
            return cv2.cvtColor(image, cv2.COLOR_RGB2GRAY)
        return image
    gray = image if image.ndim == 2 else image[..., 0]
    if channels == 3:
        logger.info("%s: gray image replicated to 3 channels for this colour model", path)
        return np.repeat(gray[..., None], 3, axis=-1)
    return gray


def parse_alpha(text):
    if text == "auto":
        return "auto"
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"alpha must be a number in [0, 1] or 'auto', not {text!r}") from None
    if not 0.0 <= value <= 1.0:
        raise argparse.ArgumentTypeError(f"alpha must be in [0, 1], not {value}")
    return value


def parse_sweep(text):
    try:
        start, stop, step = (float(v) for v in text.split(":"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"--sweep wants START:STOP:STEP, e.g. 0:1:0.25, not {text!r}") from None
    if step <= 0 or not 0 <= start <= stop <= 1:
        raise argparse.ArgumentTypeError(f"--sweep needs 0 <= START <= STOP <= 1 and STEP > 0, not {text!r}")
    return [float(a) for a in np.arange(start, stop + step / 2, step)]


def output_paths(inputs, output):
    """One output file for one input named like an image; otherwise a folder with the inputs' names."""
    if len(inputs) == 1 and output.lower().endswith(IMAGE_SUFFIXES):
        return [output]
    return [os.path.join(output, os.path.basename(path)) for path in inputs]


def sweep_grid(path, image, denoiser, alphas):
    """Save one labelled PNG: the input, then the result at every alpha (matplotlib, no display)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    shown = lambda x: np.asarray(x, np.float32) / (255.0 if x.dtype == np.uint8 else 1.0)  # noqa: E731
    panels = [("input", shown(image))] + [(f"alpha {a:g}", shown(denoiser(image, alpha=a))) for a in alphas]
    figure, axes = plt.subplots(1, len(panels), figsize=(3 * len(panels), 3.3), squeeze=False)
    for axis, (label, panel) in zip(axes[0], panels):
        axis.imshow(np.clip(panel, 0, 1), cmap="gray", vmin=0, vmax=1)
        axis.set_title(label)
        axis.axis("off")
    figure.tight_layout()
    figure.savefig(path, dpi=100)
    plt.close(figure)


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m tunablecnn.denoise", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("images", nargs="+", metavar="IMAGE")
    parser.add_argument("--model", required=True, help="bundled model name (see tunablecnn.list_models()) or exported folder")
    parser.add_argument("--output", required=True, help="output image (one input) or folder")
    choice = parser.add_mutually_exclusive_group()
    choice.add_argument("--alpha", type=parse_alpha, help="0 = start level ... 1 = end level, or 'auto' (estimate)")
    choice.add_argument("--level", type=float, help="noise sigma on the 0-255 scale, mapped to alpha by the calibration")
    choice.add_argument("--sweep", type=parse_sweep, metavar="START:STOP:STEP", help="grid of results at several alphas")
    parser.add_argument("--backend", choices=BACKENDS, default="saved_model")
    parser.add_argument("--self-ensemble", action="store_true",
                        help="average the results for the 8 flips and 90-degree rotations: a little better, 8x slower")
    add_verbose_argument(parser)
    args = parser.parse_args(argv)
    setup_logging(args.verbose)
    try:
        return _run(args)
    except (InputError, ValueError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2


def _run(args):
    denoiser = load_model(args.model, backend=args.backend)
    for source, target in zip(args.images, output_paths(args.images, args.output)):
        image, bits = read_image(source, denoiser.channels)
        if args.sweep:
            target = os.path.splitext(target)[0] + ".png"
            sweep_grid(target, image, denoiser, args.sweep)
            logger.info("%s -> %s", source, target)
        else:
            restored, how = denoise_one(denoiser, image, args.alpha, args.level, args.self_ensemble, source)
            write_image(target, restored, bits)
            logger.info("%s -> %s%s", source, target, how)
    return 0


def denoise_one(denoiser, image, alpha, level, self_ensemble=False, source="image"):
    """`(restored, note)`: the note says which alpha a tunable model used and how it was chosen.

    A level (given or estimated) outside the model's calibrated range is reported on stderr.
    """
    if not denoiser.tunable:  # the denoiser refuses alpha/level for blind models with a clear error
        return denoiser(image, alpha=alpha, level=level, self_ensemble=self_ensemble), ""
    alpha, how = _choose_alpha(denoiser, image, alpha, level, source)
    return denoiser(image, alpha=alpha, self_ensemble=self_ensemble), f" (alpha {alpha:.2f}: {how})"


def _choose_alpha(denoiser, image, alpha, level, source):
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


if __name__ == "__main__":
    sys.exit(main())
