"""Decode image files to float32 arrays in [0, 1] with OpenCV.

`tf.io.decode_image` cannot read TIFF, so every format goes through `cv2.imdecode` (PNG,
JPEG, BMP, TIFF; 8-bit, 16-bit or float), called from the tf.data pipeline with
`tf.numpy_function`. A file that fails to decode is reported as not ok instead of raising,
so one bad file cannot stop training; `DecodeFailures` counts and logs such files.
"""

import logging
import os
import re
import threading

import cv2
import numpy as np
import tensorflow as tf

logger = logging.getLogger(__name__)

CHANNELS = {"gray": 1, "rgb": 3}
EXHAUSTED = "decodes any more (changed since training started?)"  # ends `DecodeFailures.message`
_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def decode_bytes(data, channels):
    """Decode encoded image bytes to a float32 [h, w, channels] array in [0, 1]; None if undecodable.

    Integer images are divided by their type's maximum (255 for 8-bit, 65535 for 16-bit);
    the result is clipped to [0, 1] (float TIFFs are taken as already in [0, 1]). Alpha is dropped; gray <-> RGB is converted.
    """
    try:
        image = cv2.imdecode(_without_color_profile(np.frombuffer(data, np.uint8)), cv2.IMREAD_UNCHANGED)
    except cv2.error:
        return None
    if image is None or image.size == 0:
        return None
    return _convert_channels(_to_unit_float(image), channels)


def read_image(path, channels):
    """Read and decode the file at `path` (see `decode_bytes`); None if unreadable."""
    try:
        # np.fromfile + imdecode (not cv2.imread) also handles non-ASCII paths on every OS.
        data = np.fromfile(path, np.uint8)
    except OSError:
        return None
    return decode_bytes(data, channels)


class DecodeFailures:
    """Thread-safe record of files that failed to decode; logs each one once.

    `record` returns True once every one of `total` files has failed: `load_image` then fails
    the pipeline with `message` (naming `source`), since an endless pipeline that filters out
    every file would otherwise spin forever instead of failing. Files are checked up front
    (see `split.dataset_files`), so this only happens when they change during training.
    """

    def __init__(self, total, source="dataset.directory"):
        self.total = total
        self.paths = set()
        self.message = f"{source}: none of the {total} image(s) {EXHAUSTED}"
        self._lock = threading.Lock()

    def __contains__(self, path):
        with self._lock:
            return path in self.paths

    def record(self, path):
        with self._lock:
            new = path not in self.paths
            self.paths.add(path)
            count = len(self.paths)
        if new:
            logger.warning("skipped unreadable image %s (%d skipped so far)", path, count)
        # True on every call once all have failed, not just the first: a fused map-and-batch
        # keeps pulling input after an error, and would otherwise spin forever on skipped files.
        return count >= self.total


def exhausted_message(error):
    """The `DecodeFailures.message` that failed a pipeline, from the `tf.errors.OpError` it raised; else None."""
    match = re.search(rf"(dataset\.[^\n]*? {re.escape(EXHAUSTED)})", error.message)
    return match.group(1) if match else None


def load_image(path, channels, failures):
    """tf.data op: decode the file at the string tensor `path` -> (image [h, w, channels] float32, ok bool).

    Fails with `tf.errors.InvalidArgumentError` carrying `failures.message` once every file has failed.
    """

    def load(path_bytes):
        # A 0-d object array when run eagerly, bytes inside tf.data.
        path_str = os.fsdecode(np.asarray(path_bytes).item())
        # A file that failed once is not read again on every later epoch.
        image = None if path_str in failures else read_image(path_str, channels)
        if image is None:
            return np.zeros((0, 0, channels), np.float32), False, failures.record(path_str)
        return image, True, False

    image, ok, exhausted = tf.numpy_function(load, [path], [tf.float32, tf.bool, tf.bool], stateful=False)
    # An in-graph assertion, not a Python exception: tf.numpy_function would log the exception's
    # traceback once per parallel call, and tf.data makes many before the error stops it.
    check = tf.debugging.Assert(tf.logical_not(exhausted), [failures.message])
    with tf.control_dependencies([check]):
        image, ok = tf.identity(image), tf.identity(ok)
    image.set_shape([None, None, channels])
    ok.set_shape([])
    return image, ok


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


def _convert_channels(image, channels):
    if image.ndim == 2:
        image = image[:, :, None]
    if image.shape[2] in (2, 4):  # gray + alpha or BGRA: drop alpha
        image = image[:, :, :-1]
    if image.shape[2] not in (1, 3):
        return None
    if image.shape[2] == 3:
        # OpenCV decodes colour as BGR; gray uses the ITU-R 601 weights, as tf.image.rgb_to_grayscale.
        code = cv2.COLOR_BGR2GRAY if channels == 1 else cv2.COLOR_BGR2RGB
        image = cv2.cvtColor(image, code)
    elif channels == 3:
        image = cv2.cvtColor(image, cv2.COLOR_GRAY2RGB)
    image = image.reshape(image.shape[0], image.shape[1], channels)
    return np.ascontiguousarray(image, dtype=np.float32)
