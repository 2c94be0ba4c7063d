"""Which files train and which validate: checked up front, with validation images held out of training.

`dataset_files(dataset_config)` lists the folders, checks that the data can train at all (at
least one image decodes: a folder of broken files fails here with one line naming the folder
and each file's problem, not deep inside tf.data), and splits off the validation images:
the files of `dataset.validation_directory`, or else a fixed `validation_fraction` of the
training folders. The held-out files are chosen by a hash of each file's path relative to
its folder, so every run, a resumed one or one on another machine, holds out the same files.
Only a few files are decoded here (until one decodes, plus the held-out ones), so this stays
cheap for datasets larger than memory.
"""

import contextlib
import dataclasses
import hashlib
import os

import cv2

from tunablecnn.data.decode import CHANNELS
from tunablecnn.data.files import DatasetError, resolve_directories, scan_images
from tunablecnn.data.image_io import ImageError, read_image

_SHOWN = 5  # problem files named in an error message


@dataclasses.dataclass(frozen=True)
class DatasetFiles:
    """Image paths to train on and to validate on (both sorted), and what the validation images are."""

    train: tuple
    validation: tuple
    validation_label: str  # e.g. "2 held-out images (dataset.validation_fraction 0.05)"
    skipped: tuple  # files in the training folders that are not images


def dataset_files(dataset_config):
    """Check the `dataset` section's folders and split them into a `DatasetFiles`.

    Raises `DatasetError` (a `ConfigError`) naming the folder and the problem when a folder is
    missing or holds no image, when no image decodes, or when holding out validation images
    would leave nothing to train on.
    """
    channels = CHANNELS[dataset_config["color_mode"]]
    directories = resolve_directories(dataset_directories(dataset_config))
    scan = scan_images(directories)
    with _opencv_warnings_off():  # the error names each file that does not decode, and why
        _require_decodable(scan.images, scan.skipped, channels, "dataset.directory", directories)
        if dataset_config["validation_directory"] is not None:
            return _separate_folders(dataset_config["validation_directory"], scan, channels)
        return _held_out(scan, directories, channels, dataset_config["validation_fraction"])


def dataset_directories(dataset_config):
    """`dataset.directory`, checked: it has no default, so a config may lack it."""
    if not dataset_config.get("directory"):
        raise DatasetError("dataset.directory: not set; give one or more image folders")
    return dataset_config["directory"]


def _hash_order(paths, directories):
    """`paths` sorted by a hash of each path relative to the first of `directories` holding it.

    Relative paths keep the order (and so the held-out files) when the dataset folder moves.
    """
    return sorted(paths, key=lambda path: (hashlib.sha256(_relative(path, directories).encode()).hexdigest(), path))


def _held_out(scan, directories, channels, fraction):
    if fraction == 0:
        label = f"{_images(len(scan.images), 'training')} (dataset.validation_fraction is 0: none held out)"
        return DatasetFiles(scan.images, scan.images, label, scan.skipped)
    count = max(1, round(fraction * len(scan.images)))
    held_out = _decodable_in_hash_order(scan.images, directories, channels, count)
    excluded = set(held_out)
    train = tuple(path for path in scan.images if path not in excluded)
    if not any(_decodes(path, channels) for path in train):
        raise DatasetError(
            f"dataset.validation_fraction: holding out {len(held_out)} validation image(s) leaves no decodable "
            f"training image in {', '.join(directories)}; add images, set dataset.validation_directory, or set "
            "dataset.validation_fraction to 0 to validate on the training images"
        )
    label = f"{_images(len(held_out), 'held-out')} (dataset.validation_fraction {fraction:g})"
    return DatasetFiles(train, tuple(sorted(held_out)), label, scan.skipped)


def _separate_folders(folders, scan, channels):
    directories = resolve_directories(folders, "dataset.validation_directory")
    validation = scan_images(directories, "dataset.validation_directory").images
    _require_decodable(validation, (), channels, "dataset.validation_directory", directories)
    held_out = set(validation)
    train = tuple(path for path in scan.images if path not in held_out)  # a validation folder inside a training one
    if not train:
        raise DatasetError(f"dataset.validation_directory: {', '.join(directories)} holds every training image")
    label = f"{_images(len(validation))} in dataset.validation_directory"
    return DatasetFiles(train, validation, label, scan.skipped)


def _decodable_in_hash_order(images, directories, channels, count):
    chosen = []
    for path in _hash_order(images, directories):
        if len(chosen) == count:
            break
        if _decodes(path, channels):
            chosen.append(path)
    return chosen


def _require_decodable(images, skipped, channels, key, directories):
    """Decode `images` in order until one succeeds; else raise naming every file's problem."""
    if any(_decodes(path, channels) for path in images):
        return
    problems = [f"{_relative(p, directories)} ({'empty file' if _empty(p) else 'not an image'})" for p in skipped]
    problems += [f"{_relative(p, directories)} (does not decode: truncated or damaged)" for p in images]
    problems = sorted(problems)
    shown = ", ".join(problems[:_SHOWN]) + (f" and {len(problems) - _SHOWN} more" if len(problems) > _SHOWN else "")
    raise DatasetError(f"{key}: no image in {', '.join(directories)} decodes; {len(problems)} file(s): {shown}")


def _decodes(path, channels):
    try:
        read_image(path, channels)
    except ImageError:
        return False
    return True


def _images(count, kind=""):
    return f"{count} {kind + ' ' if kind else ''}image{'' if count == 1 else 's'}"


@contextlib.contextmanager
def _opencv_warnings_off():
    previous = cv2.utils.logging.getLogLevel()
    cv2.utils.logging.setLogLevel(min(previous, cv2.utils.logging.LOG_LEVEL_ERROR))
    try:
        yield
    finally:
        cv2.utils.logging.setLogLevel(previous)


def _relative(path, directories):
    folder = next((d for d in directories if path.startswith(os.path.join(d, ""))), os.path.dirname(path))
    return os.path.relpath(path, folder).replace(os.sep, "/")


def _empty(path):
    try:
        return os.path.getsize(path) == 0
    except OSError:
        return False
