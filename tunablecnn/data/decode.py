"""Decode image files to float32 arrays in [0, 1] with OpenCV.

`tf.io.decode_image` cannot read TIFF, so every format goes through `cv2.imdecode` (PNG,
JPEG, BMP, TIFF; 8-bit, 16-bit or float), called from the tf.data pipeline with
`tf.numpy_function`. A file that fails to decode is reported as not ok instead of raising,
so one bad file cannot stop training; `DecodeFailures` counts and logs such files.
"""

import logging
import os
import threading

import cv2
import numpy as np
import tensorflow as tf

from tunablecnn.data.files import DatasetError

logger = logging.getLogger(__name__)

CHANNELS = {"gray": 1, "rgb": 3}


def decode_bytes(data, channels):
    """Decode encoded image bytes to a float32 [h, w, channels] array in [0, 1]; None if undecodable.

    Integer images are divided by their type's maximum (255 for 8-bit, 65535 for 16-bit);
    the result is clipped to [0, 1] (float TIFFs are taken as already in [0, 1]). Alpha is dropped; gray <-> RGB is converted.
    """
    try:
        image = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_UNCHANGED)
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

    `record` raises `DatasetError` once every one of `total` files has failed, since an
    endless pipeline that filters out every file would otherwise hang instead of failing.
    """

    def __init__(self, total):
        self.total = total
        self.paths = set()
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
        # Raise on every call once all have failed, not just the first: a fused map-and-batch
        # keeps pulling input after an error, and would otherwise spin forever on skipped files.
        if count >= self.total:
            raise DatasetError(f"dataset.directory: none of the {self.total} image(s) could be decoded")


def load_image(path, channels, failures):
    """tf.data op: decode the file at the string tensor `path` -> (image [h, w, channels] float32, ok bool)."""

    def load(path_bytes):
        # A 0-d object array when run eagerly, bytes inside tf.data.
        path_str = os.fsdecode(np.asarray(path_bytes).item())
        # A file that failed once is not read again on every later epoch.
        image = None if path_str in failures else read_image(path_str, channels)
        if image is None:
            failures.record(path_str)
            return np.zeros((0, 0, channels), np.float32), False
        return image, True

    image, ok = tf.numpy_function(load, [path], [tf.float32, tf.bool], stateful=False)
    image.set_shape([None, None, channels])
    ok.set_shape([])
    return image, ok


def _to_unit_float(image):
    image = image.astype(np.float32) if not np.issubdtype(image.dtype, np.integer) else (
        image.astype(np.float32) / np.float32(np.iinfo(image.dtype).max)
    )
    # Float TIFFs may exceed [0, 1] (or hold inf/NaN, which poisoned a whole training batch with
    # scikit-image's sample images) and signed-integer ones go negative: keep the clean range exact.
    return np.clip(np.nan_to_num(image, nan=0.0, posinf=1.0, neginf=0.0), 0.0, 1.0)


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
