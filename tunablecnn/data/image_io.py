"""Image files in and out: the one reader and writer of PNG, JPEG, BMP and TIFF files.

`read_image(path, channels)` decodes with OpenCV (`tf.io.decode_image` cannot read TIFF) and
returns an `ImageFile`: float32 pixels in [0, 1] (integer images divided by their type's
maximum, 255 for 8-bit and 65535 for 16-bit; float TIFFs taken as [0, 1]), the file's bits per
sample, and notes on the conversions made to reach `channels`. A file that gives no image
raises `ImageError` naming the file and the reason; callers that skip bad files catch it.
`write_image` writes 8- or 16-bit files.
"""

import dataclasses
import logging
import os

import cv2
import numpy as np

logger = logging.getLogger(__name__)

FORMATS = "PNG, JPEG, BMP or TIFF"
SIXTEEN_BIT = (".png", ".tif", ".tiff")  # the formats OpenCV writes with 16 bits per sample
_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


class ImageError(ValueError):
    """An image file that cannot be read or written; the message names the file and says why."""


@dataclasses.dataclass(frozen=True)
class ImageFile:
    """An image file as `read_image` gives it.

    `pixels`: float32 `[H, W, channels]` in [0, 1]; `bits`: bits per sample in the file (8 or 16
    for integer images, 32 or 64 for float TIFFs); `notes`: the conversions made, e.g.
    "alpha channel dropped", "colour image converted to gray", "gray image replicated to 3 channels".
    """

    pixels: np.ndarray
    bits: int
    notes: tuple


def read_image(path, channels):
    """The image file at `path` as an `ImageFile` with `channels` (1 gray, 3 RGB) channels.

    Alpha is dropped; colour becomes gray with the ITU-R 601 weights (as `tf.image.rgb_to_grayscale`)
    and gray is replicated to RGB. Raises `ImageError` for a missing, empty or undecodable file.
    """
    if channels not in (1, 3):
        raise ValueError(f"Expected channels 1 or 3. Received: channels={channels}")
    stored = _decode(_read_bytes(path), path)
    pixels, notes = _convert_channels(_to_unit_float(stored), channels, path)
    return ImageFile(pixels, stored.dtype.itemsize * 8, notes)


def write_image(path, image, bits=8):
    """Write `image` (`[H, W]` or `[H, W, 1|3]`, RGB) to `path` in the format of its extension.

    uint8 is written as it is; float in [0, 1] is clipped and rounded to `bits` (8 or 16) per
    sample; 16 bits are written as 8 (with a log line) to a format that holds 8 only (JPEG, BMP).
    Creates the folder. Raises `ImageError` when OpenCV cannot write that file.
    """
    if bits not in (8, 16):
        raise ValueError(f"Expected bits 8 or 16. Received: bits={bits}")
    if bits == 16 and not os.fspath(path).lower().endswith(SIXTEEN_BIT):
        logger.info("%s: written with 8 bits per sample (16 need a .png or .tif name)", path)
        bits = 8
    image = np.asarray(image)
    levels = image if image.dtype == np.uint8 and bits == 8 else _quantize(image, bits)
    if levels.ndim == 3 and levels.shape[-1] == 3:
        levels = cv2.cvtColor(levels, cv2.COLOR_RGB2BGR)
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    try:
        written = cv2.imwrite(os.fspath(path), levels)
    except cv2.error:
        written = False
    if not written:
        raise ImageError(f"{path}: cannot write an image file there (use a .png, .jpg, .bmp or .tif name)")


def _read_bytes(path):
    # np.fromfile + imdecode (not cv2.imread) also handles non-ASCII paths on every OS.
    try:
        data = np.fromfile(path, np.uint8)
    except FileNotFoundError:
        raise ImageError(f"{path}: file not found") from None
    except OSError as error:
        raise ImageError(f"{path}: cannot read ({error.strerror or error})") from None
    if data.size == 0:
        raise ImageError(f"{path}: empty file")
    return data


def _decode(data, path):
    try:
        image = cv2.imdecode(_without_color_profile(data), cv2.IMREAD_UNCHANGED)
    except cv2.error:
        image = None
    if image is None or image.size == 0:
        raise ImageError(f"{path}: not a readable {FORMATS} image (truncated, damaged or another format)")
    return image


def _without_color_profile(data):
    """PNG bytes without their iCCP chunk (other files unchanged). OpenCV ignores colour profiles,
    but libpng checks them and prints warnings straight to stderr, in the middle of a progress bar
    (scikit-image's page.png has an invalid one)."""
    if bytes(data[:8]) != _PNG_SIGNATURE:
        return data
    start = 8
    while start + 8 <= len(data):  # chunks: 4-byte length, 4-byte type, data, 4-byte CRC
        length, kind = int.from_bytes(bytes(data[start:start + 4]), "big"), bytes(data[start + 4:start + 8])
        end = start + 12 + length
        if kind == b"iCCP":
            return np.concatenate([data[:start], data[end:]])
        if kind == b"IDAT":  # iCCP must come before the image data
            return data
        start = end
    return data


def _to_unit_float(image):
    if np.issubdtype(image.dtype, np.integer):
        image = image.astype(np.float32) / np.float32(np.iinfo(image.dtype).max)
    else:
        # Float TIFFs may exceed [0, 1] or hold inf/NaN (which poisoned a whole training batch with
        # scikit-image's sample images); clean them in their own precision, as a float64 beyond
        # float32's range (multipage_rgb.tif holds 1.9e178) would overflow the cast.
        image = np.nan_to_num(image, nan=0.0, posinf=1.0, neginf=0.0)
    # Signed-integer images go negative: keep the clean range exact.
    return np.clip(image, 0.0, 1.0).astype(np.float32)


def _convert_channels(image, channels, path):
    """`(pixels [H, W, channels], notes)` from a decoded float image (OpenCV's BGR order)."""
    image = image[:, :, None] if image.ndim == 2 else image
    notes = []
    if image.shape[2] in (2, 4):  # gray + alpha or BGRA
        image, notes = image[:, :, :-1], ["alpha channel dropped"]
    if image.shape[2] not in (1, 3):
        raise ImageError(f"{path}: {image.shape[2]} channels; expected gray or colour, with or without alpha")
    if image.shape[2] == 3:
        image = cv2.cvtColor(image, cv2.COLOR_BGR2GRAY if channels == 1 else cv2.COLOR_BGR2RGB)
        notes += ["colour image converted to gray"] if channels == 1 else []
    elif channels == 3:
        image = cv2.cvtColor(image, cv2.COLOR_GRAY2RGB)
        notes.append("gray image replicated to 3 channels")
    pixels = np.ascontiguousarray(image.reshape(image.shape[0], image.shape[1], channels), dtype=np.float32)
    return pixels, tuple(notes)


def _quantize(image, bits):
    unit = image / np.float32(255.0) if image.dtype == np.uint8 else image
    top = 255 if bits == 8 else 65535
    return np.round(np.clip(unit, 0.0, 1.0) * top).astype(np.uint8 if bits == 8 else np.uint16)
