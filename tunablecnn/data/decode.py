"""Decode image files lazily inside tf.data.

`load_image` reads each file with `tunablecnn.data.image_io.read_image` (every format, 8-bit,
16-bit or float) through `tf.numpy_function`. A file that fails to decode is reported as not ok
instead of raising, so one bad file cannot stop training; `DecodeFailures` counts and logs such files.
"""

import logging
import os
import re
import threading

import numpy as np
import tensorflow as tf

from tunablecnn.data.image_io import ImageError, read_image

logger = logging.getLogger(__name__)

CHANNELS = {"gray": 1, "rgb": 3}
EXHAUSTED = "decodes any more (changed since training started?)"  # ends `DecodeFailures.message`


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
        image = None if path_str in failures else _pixels(path_str, channels)
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


def _pixels(path, channels):
    try:
        return read_image(path, channels).pixels
    except ImageError:
        return None
