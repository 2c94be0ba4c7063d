"""Find training images: walk the dataset directories and keep the files that look like images.

Listing happens once, before any model is built, so a wrong `dataset.directory` fails at
once with a message naming the directory instead of deep inside a training step. Files are
only *checked* here (extension and header signature, a few bytes each), not decoded: the
dataset may be larger than memory and is decoded lazily by the pipeline.
"""

import dataclasses
import importlib.util
import logging
import os

import cv2

from tunablecnn.config import ConfigError

logger = logging.getLogger(__name__)
_reported = set()  # (folders, images, skipped) counts already logged by `list_images`

IMAGE_EXTENSIONS = (".png", ".jpg", ".jpeg", ".bmp", ".tif", ".tiff")
PACKAGE_PREFIX = "pkg://"  # pkg://skimage/data: a folder inside an installed package (offline quickstart)


class DatasetError(ConfigError):
    """The dataset directories cannot provide training images (missing, empty, or no readable image)."""

    def __init__(self, message):
        super().__init__([message])


@dataclasses.dataclass(frozen=True)
class ImageScan:
    """Result of `scan_images`: readable-looking images and the skipped files, both sorted."""

    images: tuple
    skipped: tuple


def resolve_directories(directories, key="dataset.directory"):
    """Absolute paths of `directories` (a string or a list); errors name the config `key`.

    Relative ones are taken from the working directory; `pkg://PACKAGE/SUBDIR` names a folder
    inside an installed package, e.g. `pkg://skimage/data` (scikit-image's bundled images).
    """
    if isinstance(directories, (str, os.PathLike)):
        directories = [directories]
    if not directories:
        raise DatasetError(f"{key}: no directory given")
    paths = [os.fspath(d) for d in directories]
    return [_package_folder(p, key) if p.startswith(PACKAGE_PREFIX) else os.path.abspath(p) for p in paths]


def _package_folder(uri, key):
    package, _, subdir = uri[len(PACKAGE_PREFIX):].partition("/")
    spec = importlib.util.find_spec(package) if package else None
    if spec is None or not spec.submodule_search_locations:
        raise DatasetError(f"{key}: {uri}: package '{package}' is not installed")
    return os.path.join(list(spec.submodule_search_locations)[0], subdir)


def scan_images(directories, key="dataset.directory"):
    """Walk `directories` recursively; return an `ImageScan` of image files and skipped files.

    A file is an image when its extension is one of `IMAGE_EXTENSIONS` and OpenCV recognises
    its header. Everything else (text files, images with a broken header) is skipped, not fatal.
    Raises `DatasetError` naming the directory (and the config `key`) if one is missing or holds no image.
    """
    images, skipped = {}, {}
    for directory in resolve_directories(directories, key):
        if not os.path.isdir(directory):
            raise DatasetError(f"{key}: not a directory: {directory}")
        found = 0
        for path in _walk(directory):
            if _looks_like_image(path):
                images[path] = None
                found += 1
            else:
                skipped[path] = None
        if not found:
            raise DatasetError(f"{key}: no readable PNG/JPEG/BMP/TIFF image in {directory}")
    return ImageScan(tuple(sorted(images)), tuple(sorted(skipped)))


def list_images(directories):
    """Sorted image paths under `directories`, logging how many files were skipped (see `scan_images`).

    A training run lists the same folders several times (checks, batches, validation, export
    calibration): the counts are logged once per process, and at DEBUG level after that.
    """
    scan = scan_images(directories)
    folders = ", ".join(resolve_directories(directories))
    key = (folders, len(scan.images), len(scan.skipped))
    first = key not in _reported
    _reported.add(key)
    if scan.skipped:
        logger.log(logging.WARNING if first else logging.DEBUG,
                   "skipped %d non-image or unreadable file(s), e.g. %s", len(scan.skipped), scan.skipped[0])
    logger.log(logging.INFO if first else logging.DEBUG, "found %d image(s) in %s", len(scan.images), folders)
    return list(scan.images)


def _walk(directory):
    # followlinks=False (the default) keeps a symlink loop from walking forever.
    for root, dirs, names in os.walk(directory):
        dirs.sort()
        for name in sorted(names):
            yield os.path.join(root, name)


def _looks_like_image(path):
    if not path.lower().endswith(IMAGE_EXTENSIONS):
        return False
    try:
        # Reads only the header signature; cheap even for very large datasets.
        return bool(cv2.haveImageReader(path))
    except cv2.error:
        return False
