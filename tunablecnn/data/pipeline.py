"""The training input pipeline: endless batches of (degraded, clean) pairs from a `dataset` config.

Files are listed, checked and split into training and held-out validation images up front
(see `split.py`), then streamed: shuffled paths are decoded lazily and in parallel, so the
dataset may be larger than memory. Each image gives one random crop per pass, which is
augmented and degraded with per-element stateless seeds, so a pipeline built with a `seed`
yields the same batches on every run.
"""

import contextlib
import numbers

import tensorflow as tf

from tunablecnn.data.augment import augment
from tunablecnn.data.crop import random_crop, resize_image
from tunablecnn.data.decode import CHANNELS, DecodeFailures, exhausted_message, load_image
from tunablecnn.data.degrade import NOISE_SAMPLING, degrade
from tunablecnn.data.files import DatasetError, resolve_directories
from tunablecnn.data.split import dataset_files

AUTOTUNE = tf.data.AUTOTUNE


def make_dataset(dataset_config, *, noise_override=None, seed=None):
    """Endless `tf.data.Dataset` of (degraded, clean) float32 batches [batch_size, h, w, channels].

    `dataset_config` is the `dataset` section of a loaded pipeline (`load_pipeline(...)["dataset"]`).
    `noise_override` replaces `additional_noise` (see `noise_levels`), e.g. a tunable stage's
    sigma. `seed` makes the stream reproducible. The held-out validation images are left out.
    Raises `DatasetError` (a `ConfigError`) for a missing or empty directory, or one where no
    image decodes, before anything is built.
    """
    files, noise = _prepare(dataset_config, noise_override)
    return _pipeline(files.train, dataset_config, noise, seed, augmented=True, batch_size=dataset_config["batch_size"],
                     source=_source(dataset_config, "directory"))


def validation_batch(dataset_config, *, seed=0, noise_override=None, batch_size=None):
    """One fixed (degraded, clean) batch of validation crops for the PSNR: the same tensors for the same seed.

    The images are the held-out ones of `dataset_files` (see `split.py`). Crops and degradations
    follow the config, but the flips, rotation and inversion are off: they are training-only
    augmentations. `batch_size` defaults to the config's.
    Returns a (degraded, clean) pair of float32 tensors [batch_size, h, w, channels].
    """
    files, noise = _prepare(dataset_config, noise_override)
    size = dataset_config["batch_size"] if batch_size is None else batch_size
    key = "directory" if dataset_config["validation_directory"] is None else "validation_directory"
    dataset = _pipeline(files.validation, dataset_config, noise, seed, augmented=False, batch_size=size,
                        source=_source(dataset_config, key))
    with pipeline_errors():
        return next(iter(dataset))


@contextlib.contextmanager
def pipeline_errors():
    """Raise a pipeline's failure because no file decodes any more as a one-line `DatasetError`.

    Inside tf.data it can only surface as a `tf.errors.InvalidArgumentError` with the
    TensorFlow context around it; other errors pass unchanged.
    """
    try:
        yield
    except tf.errors.InvalidArgumentError as error:
        message = exhausted_message(error)
        if message is None:
            raise
        raise DatasetError(message) from None


def noise_levels(dataset_config, noise_override=None):
    """(sigmas, sampling) of the additive noise, on the 0-255 scale.

    `noise_override` None keeps `additional_noise` / `noise_sampling`; a number fixes the sigma
    (e.g. 15 for a base stage, 50 for a tune stage); a list replaces `additional_noise` and is
    sampled per `noise_sampling`.
    """
    sampling = dataset_config["noise_sampling"]
    if noise_override is None:
        sigmas = dataset_config["additional_noise"]
    elif isinstance(noise_override, numbers.Real):
        sigmas, sampling = [noise_override], "choice"
    else:
        sigmas = list(noise_override)
    if not sigmas or any(not isinstance(s, numbers.Real) or s < 0 for s in sigmas):
        raise ValueError(f"Expected non-negative noise sigmas. Received: noise_override={noise_override!r}")
    if sampling not in NOISE_SAMPLING or (sampling == "uniform" and len(sigmas) != 2):
        raise ValueError(f"Expected [min, max] sigmas for uniform noise_sampling. Received: {sigmas!r}")
    return tuple(float(s) for s in sigmas), sampling


def _prepare(config, noise_override):
    """Check everything that can be checked before streaming; return (`DatasetFiles`, noise levels)."""
    shape, crop = config["dataset_shape"], config["input_shape"]
    if shape is not None and (shape[0] < crop[0] or shape[1] < crop[1]):
        raise DatasetError(f"dataset.dataset_shape: {shape} is smaller than dataset.input_shape {crop}")
    noise = noise_levels(config, noise_override)
    return dataset_files(config), noise


def _source(config, key):
    """How a decode failure names the data, e.g. "dataset.directory /data/train"."""
    return f"dataset.{key} {', '.join(resolve_directories(config[key]))}"


def _pipeline(files, config, noise, seed, *, augmented, batch_size, source):
    channels = CHANNELS[config["color_mode"]]
    failures = DecodeFailures(len(files), source)
    paths = tf.data.Dataset.from_tensor_slices(list(files))  # a list: a tuple would be a structure
    # Shuffling the (small) path list, not decoded images, keeps memory flat for any dataset size.
    paths = paths.shuffle(len(files), seed=seed, reshuffle_each_iteration=True).repeat()
    seeds = tf.data.Dataset.random(seed=seed).batch(2)  # one stateless seed per element
    data = tf.data.Dataset.zip(paths, seeds)
    data = data.map(lambda path, s: (*load_image(path, channels, failures), s), num_parallel_calls=AUTOTUNE)
    data = data.filter(lambda image, ok, s: ok)  # unreadable files were counted and logged by `failures`
    data = data.map(lambda image, ok, s: _pair(image, s, config, noise, augmented), num_parallel_calls=AUTOTUNE)
    options = tf.data.Options()
    options.deterministic = seed is not None  # unseeded: let fast elements overtake slow decodes
    data = data.batch(batch_size, drop_remainder=True).prefetch(AUTOTUNE)
    return data.with_options(options)


def _pair(image, seed, config, noise, augmented):
    if config["dataset_shape"] is not None:
        image = resize_image(image, config["dataset_shape"])
    clean = random_crop(image, config["input_shape"], tf.random.fold_in(seed, 0))
    if augmented:
        clean = augment(
            clean,
            tf.random.fold_in(seed, 1),
            flip_left_right=config["random_left_right"],
            flip_up_down=config["random_up_down"],
            max_angle=config["random_rotate"],
            negate=config["random_invert"],
        )
    degraded = degrade(
        clean,
        tf.random.fold_in(seed, 2),
        sigmas=noise[0],
        sampling=noise[1],
        multiplicative=tuple(config["multiplicative_noise"]),
        subsample_sizes=tuple(config["subsample_size"]),
        blur=config["random_blur"],
    )
    return degraded, clean
