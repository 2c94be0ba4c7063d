"""Training data: list image folders, stream and decode them lazily, crop, augment, degrade.

`make_dataset(load_pipeline(path)["dataset"])` gives endless (degraded, clean) batches;
`list_images` checks the folders up front; `validation_batch` gives a fixed batch for PSNR.
"""

from tunablecnn.data.augment import augment, invert, random_invert, random_rotate, rotate
from tunablecnn.data.crop import random_crop, reflect_pad_to, resize_image
from tunablecnn.data.decode import decode_bytes, read_image
from tunablecnn.data.degrade import (
    additive_noise,
    degrade,
    gaussian_blur,
    multiplicative_noise,
    sample_sigma,
    subsample,
)
from tunablecnn.data.files import IMAGE_EXTENSIONS, DatasetError, ImageScan, list_images, scan_images
from tunablecnn.data.pipeline import dataset_directories, make_dataset, noise_levels, validation_batch

__all__ = [
    "IMAGE_EXTENSIONS",
    "DatasetError",
    "ImageScan",
    "additive_noise",
    "augment",
    "dataset_directories",
    "decode_bytes",
    "degrade",
    "gaussian_blur",
    "invert",
    "list_images",
    "make_dataset",
    "multiplicative_noise",
    "noise_levels",
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
]
