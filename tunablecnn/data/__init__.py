"""Image data: read and write image files, list image folders, stream and decode them lazily, crop, augment, degrade.

`make_dataset(load_pipeline(path)["dataset"])` gives endless (degraded, clean) batches;
`dataset_files` checks the folders up front and holds out validation images;
`validation_batch` gives a fixed batch of those for PSNR. `read_image` and `write_image`
(`image_io`) are the one way the package reads and writes image files.
"""

from tunablecnn.data.augment import augment, invert, random_invert, random_rotate, rotate
from tunablecnn.data.crop import random_crop, reflect_pad_to, resize_image
from tunablecnn.data.degrade import (
    additive_noise,
    degrade,
    gaussian_blur,
    multiplicative_noise,
    sample_sigma,
    subsample,
)
from tunablecnn.data.files import IMAGE_EXTENSIONS, DatasetError, ImageScan, list_images, scan_images
from tunablecnn.data.image_io import ImageError, ImageFile, read_image, write_image
from tunablecnn.data.pipeline import make_dataset, noise_levels, pipeline_errors, validation_batch
from tunablecnn.data.split import DatasetFiles, dataset_directories, dataset_files

__all__ = [
    "IMAGE_EXTENSIONS",
    "DatasetError",
    "DatasetFiles",
    "ImageError",
    "ImageFile",
    "ImageScan",
    "additive_noise",
    "augment",
    "dataset_directories",
    "dataset_files",
    "degrade",
    "gaussian_blur",
    "invert",
    "list_images",
    "make_dataset",
    "multiplicative_noise",
    "noise_levels",
    "pipeline_errors",
    "random_crop",
    "random_invert",
    "random_rotate",
    "read_image",
    "reflect_pad_to",
    "resize_image",
    "rotate",
    "sample_sigma",
    "scan_images",
    "subsample",
    "validation_batch",
    "write_image",
]
