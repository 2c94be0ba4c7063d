import logging

import cv2
import numpy as np
import pytest
import tensorflow as tf

from tunablecnn import load_pipeline
from tunablecnn.config import load_schema
from tunablecnn.data.files import DatasetError
from tunablecnn.data.pipeline import make_dataset, noise_levels, pipeline_errors, validation_batch
from tests.data.helpers import dataset_config

QUIET = {"random_up_down": False, "random_left_right": False}  # schema defaults flip; off for exact checks


def _first(config, **kwargs):
    degraded, clean = next(iter(make_dataset(config, **kwargs)))
    return degraded.numpy(), clean.numpy()


def _noise_std(degraded, clean):
    return (degraded - clean).reshape(len(clean), -1).std(axis=1) * 255


@pytest.mark.parametrize("color_mode, channels", [("gray", 1), ("rgb", 3)])
def test_batches_have_the_configured_shape_dtype_and_range(image_folder, color_mode, channels):
    config = dataset_config([image_folder], color_mode=color_mode, batch_size=6, input_shape=[16, 24],
                            additional_noise=[75])
    dataset = make_dataset(config, seed=0)
    assert dataset.element_spec[0].shape == (6, 16, 24, channels)
    degraded, clean = _first(config, seed=0)
    assert degraded.dtype == clean.dtype == np.float32
    assert degraded.shape == clean.shape == (6, 16, 24, channels)
    assert clean.min() >= 0 and clean.max() <= 1
    assert degraded.min() < 0 and degraded.max() > 1  # noise is not clipped
    unseeded = next(iter(make_dataset(config)))
    assert unseeded[0].shape == (6, 16, 24, channels)


def test_color_mode_converts_rgb_and_gray_files(clean_folder, image_folder):
    _, rgb = _first(dataset_config([clean_folder], color_mode="rgb", input_shape=[8, 8], batch_size=2), seed=0)
    assert not np.allclose(rgb[..., 0], rgb[..., 1])
    config = dataset_config([image_folder / "sub" / "deeper"], color_mode="gray", input_shape=[8, 8], batch_size=2,
                            validation_fraction=0)  # one image: nothing to hold out
    assert _first(config, seed=0)[1].shape[-1] == 1


def test_choice_noise_std_per_image_is_one_of_the_sigmas(clean_folder):
    config = dataset_config([clean_folder], additional_noise=[10, 40], input_shape=[32, 32], batch_size=12, **QUIET)
    stds = _noise_std(*_first(config, seed=1))
    nearest = np.where(np.abs(stds - 10) < np.abs(stds - 40), 10, 40)
    np.testing.assert_allclose(stds, nearest, rtol=0.12)
    assert set(nearest) == {10, 40}


def test_uniform_noise_std_per_image_spans_the_range(clean_folder):
    config = dataset_config([clean_folder], additional_noise=[5, 50], noise_sampling="uniform",
                            input_shape=[32, 32], batch_size=12)
    stds = _noise_std(*_first(config, seed=1))
    assert stds.min() > 5 * 0.85 and stds.max() < 50 * 1.15
    assert stds.max() - stds.min() > 15


@pytest.mark.parametrize("override, expected", [(50, {50}), (15.0, {15}), ([0, 30], {0, 30})])
def test_noise_override_replaces_the_configured_sigmas(clean_folder, override, expected):
    config = dataset_config([clean_folder], additional_noise=[5], input_shape=[32, 32], batch_size=10)
    stds = _noise_std(*_first(config, noise_override=override, seed=2))
    nearest = {min(expected, key=lambda s: abs(s - std)) for std in stds}
    assert nearest == expected
    for std in stds:
        target = min(expected, key=lambda s: abs(s - std))
        assert std == pytest.approx(target, rel=0.12, abs=1e-3)


def test_noise_levels_validates_overrides(clean_folder):
    config = dataset_config([clean_folder], additional_noise=[1, 50], noise_sampling="uniform")
    assert noise_levels(config) == ((1.0, 50.0), "uniform")
    assert noise_levels(config, 15) == ((15.0,), "choice")
    assert noise_levels(config, [10, 20]) == ((10.0, 20.0), "uniform")
    with pytest.raises(ValueError, match="Expected non-negative noise sigmas"):
        noise_levels(config, -1)
    with pytest.raises(ValueError, match=r"Expected \[min, max\] sigmas for uniform"):
        noise_levels(config, [10, 20, 30])


def test_seeded_pipelines_repeat_and_validation_batch_is_fixed(image_folder):
    config = dataset_config([image_folder], input_shape=[16, 16], batch_size=4, random_rotate=0.5,
                            random_invert=True, random_blur=True, subsample_size=[2])
    np.testing.assert_array_equal(_first(config, seed=5)[0], _first(config, seed=5)[0])
    first, second = validation_batch(config, seed=3), validation_batch(config, seed=3)
    np.testing.assert_array_equal(first[0], second[0])
    np.testing.assert_array_equal(first[1], second[1])
    assert not np.array_equal(validation_batch(config, seed=4)[1], first[1])
    assert validation_batch(config, seed=3, batch_size=2, noise_override=0)[0].shape == (2, 16, 16, 1)


def test_validation_batch_has_no_augmentation(clean_folder):
    plain = dataset_config([clean_folder], input_shape=[16, 16], batch_size=8, **QUIET)
    augmented = dataset_config([clean_folder], input_shape=[16, 16], batch_size=8, random_invert=True,
                               random_rotate=1.0)
    np.testing.assert_array_equal(validation_batch(plain, seed=1)[1], validation_batch(augmented, seed=1)[1])


def test_unreadable_files_are_skipped_counted_and_logged(image_folder, caplog):
    config = dataset_config([image_folder], input_shape=[8, 8], batch_size=16)
    with caplog.at_level(logging.WARNING, logger="tunablecnn.data"):
        for _ in make_dataset(config, seed=0).take(2):
            pass
    assert "truncated.png (1 skipped so far)" in caplog.text
    assert caplog.text.count("skipped unreadable image") == 1  # counted once, not every epoch


def test_a_folder_where_nothing_decodes_fails_before_anything_is_built(image_folder):
    for name in ("color.jpg", "wide16.tif", "deeper/pic.bmp"):
        (image_folder / "sub" / name).unlink()
    with pytest.raises(DatasetError, match=r"no image in .*sub decodes; 1 file\(s\): truncated.png \(does not decode"):
        make_dataset(dataset_config([image_folder / "sub"], input_shape=[8, 8], batch_size=2))


def test_files_that_stop_decoding_during_training_fail_in_one_line(clean_folder):
    config = dataset_config([clean_folder], input_shape=[8, 8], batch_size=2)
    dataset = make_dataset(config, seed=0)  # the files decode now
    for path in clean_folder.iterdir():
        path.write_bytes(path.read_bytes()[:60])
    with pytest.raises(DatasetError) as raised, pipeline_errors():
        next(iter(dataset))
    assert str(raised.value) == (f"dataset.directory {clean_folder}: none of the 2 image(s) decodes any more "
                                 "(changed since training started?)")


def test_bad_directories_fail_before_anything_is_built(tmp_path, clean_folder):
    with pytest.raises(DatasetError, match=f"not a directory: {tmp_path / 'gone'}"):
        make_dataset(dataset_config([tmp_path / "gone"]))
    with pytest.raises(DatasetError, match="dataset.directory: not set"):
        make_dataset(load_pipeline({})["dataset"])  # directory has no default
    small = dataset_config([clean_folder], dataset_shape=[16, 16], input_shape=[32, 16])
    with pytest.raises(DatasetError, match=r"dataset.dataset_shape: \[16, 16\] is smaller than"):
        make_dataset(small)


def test_dataset_shape_resizes_before_cropping(tmp_path):
    (tmp_path / "a").mkdir()
    ramp = np.tile(np.linspace(0, 255, 200), (40, 1)).astype(np.uint8)  # wide gentle ramp
    cv2.imwrite(str(tmp_path / "a" / "ramp.png"), ramp)
    config = dataset_config([tmp_path / "a"], dataset_shape=[16, 16], input_shape=[16, 16], batch_size=1,
                            validation_fraction=0, **QUIET)
    clean = _first(config, seed=0)[1][0, :, :, 0]
    assert clean[0, 0] < 0.1 and clean[0, -1] > 0.9  # the whole ramp fits in one crop


# A value for every `dataset` key that must change the first batch of a seeded pipeline.
VARIANTS = {
    "directory": "other",
    "validation_directory": "other",  # trains on every image of the directory instead of holding one out
    "validation_fraction": 0.5,
    "batch_size": 3,
    "color_mode": "rgb",
    "input_shape": [16, 8],
    "dataset_shape": [24, 24],
    "additional_noise": [30],
    "noise_sampling": "uniform",
    "multiplicative_noise": [0.3],
    "subsample_size": [4],
    "random_blur": True,
    "random_rotate": 1.0,
    "random_invert": True,
    "random_up_down": True,
    "random_left_right": True,
}
BASE = {"batch_size": 8, "input_shape": [16, 16], "additional_noise": [5, 20], "noise_sampling": "choice",
        "dataset_shape": None, "multiplicative_noise": [], "subsample_size": [], "random_blur": False,
        "random_rotate": 0.0, "random_invert": False, "random_up_down": False, "random_left_right": False}


def test_every_dataset_key_has_an_effect(clean_folder, image_folder):
    keys = set(load_schema()["$defs"]["dataset"]["properties"])
    assert keys == set(VARIANTS), "a new dataset key needs a VARIANTS entry (and an effect)"
    baseline = _first(dataset_config([clean_folder], **BASE), seed=7)
    for key, value in VARIANTS.items():
        folders = [image_folder] if key == "directory" else [clean_folder]
        folder_valued = {"directory": {}, "validation_directory": {key: [str(image_folder)]}}
        changed = {**BASE, **folder_valued.get(key, {key: value})}
        batch = _first(dataset_config(folders, **changed), seed=7)
        same = all(a.shape == b.shape and np.array_equal(a, b) for a, b in zip(batch, baseline))
        assert not same, f"dataset.{key}={value!r} did not change the output"
