"""The clean images an evaluation scores, and a record of the files it could not use as they are."""

import dataclasses
import os

import numpy as np

from tunablecnn.data import IMAGE_EXTENSIONS, DatasetError, ImageError, read_image, scan_images


@dataclasses.dataclass(frozen=True)
class Dataset:
    """The images of one channel count, and what happened to the other files on the way.

    `images`: `[(name, clean)]`, `clean` float64 `[H, W, channels]` in [0, 255]; `skipped`:
    `[(name, reason)]` for files that give no image; `converted`: names of the images whose
    colour (for channels 1) or gray (for channels 3) content was converted to `channels`.
    Names are paths relative to the dataset folder.
    """

    channels: int
    images: list
    skipped: list
    converted: list


def read_dataset(directory, channels, max_images=None):
    """`Dataset` of the sorted images under `directory` (at most `max_images`), as `channels` channels.

    Nothing is dropped silently: files that are not images, or do not decode (truncated,
    corrupt), are listed in `skipped` with the reason. An image counts as colour when its
    three channels differ. Raises `tunablecnn.data.DatasetError` for a missing or empty folder
    and when no image decodes.
    """
    scan = scan_images(directory)
    skipped = [(os.path.relpath(path, directory), _scan_reason(path)) for path in scan.skipped]
    images, converted = [], []
    for path in scan.images[:max_images]:
        name = os.path.relpath(path, directory)
        try:
            rgb = read_image(path, 3).pixels
        except ImageError:
            skipped.append((name, "cannot be decoded (truncated or corrupt)"))
            continue
        if _is_gray(rgb) != (channels == 1):
            converted.append(name)
        image = rgb if channels == 3 else read_image(path, 1).pixels
        images.append((name, image.astype(np.float64) * 255.0))
    if not images:
        raise DatasetError(f"{directory}: no readable image")
    return Dataset(channels, images, sorted(skipped), converted)


def load_dataset(directory, channels, max_images=None):
    """`[(name, clean)]`: the images of `read_dataset` (see there), without the record of skips and conversions."""
    return read_dataset(directory, channels, max_images).images


def dataset_record(datasets, methods):
    """`{"skipped": [{"file", "reason"}], "conversions": [...]}` for the report, from `{channels: Dataset}`.

    Each conversion names the direction, the images and the methods (of that channel count) that
    scored them converted: `{"from": "colour", "to": "gray", "images": [...], "methods": [...]}`.
    """
    skipped = sorted({entry for dataset in datasets.values() for entry in dataset.skipped})
    conversions = [
        {"from": "colour" if channels == 1 else "gray", "to": "gray" if channels == 1 else "RGB",
         "images": dataset.converted, "methods": [m.name for m in methods if m.channels == channels]}
        for channels, dataset in sorted(datasets.items()) if dataset.converted
    ]
    return {"skipped": [{"file": name, "reason": reason} for name, reason in skipped], "conversions": conversions}


def dataset_notes(record):
    """One line per skipped file and per conversion of a `dataset_record`, for report.md and stderr."""
    lines = [f"skipped {entry['file']}: {entry['reason']}" for entry in record["skipped"]]
    verb = {"gray": "converted to gray", "RGB": "replicated to RGB"}
    lines += [f"{len(c['images'])} {c['from']} image(s) {verb[c['to']]} for {', '.join(c['methods'])}"
              for c in record["conversions"]]
    return lines


def _scan_reason(path):
    if not path.lower().endswith(IMAGE_EXTENSIONS):
        return "not an image file (extension)"
    return "not a readable image (header not recognised)"


def _is_gray(rgb):
    return np.array_equal(rgb[..., 0], rgb[..., 1]) and np.array_equal(rgb[..., 1], rgb[..., 2])
