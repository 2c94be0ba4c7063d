"""The bundled models (pretrained/<name>/) really denoise, through every backend, at every level."""

import os

import numpy as np
import pytest
import skimage.data

import tunablecnn
from tunablecnn.model_folder import read_metadata, resolve
from tunablecnn.metrics import add_noise, psnr

BUNDLED = tunablecnn.list_models()


def _camera_crop():
    return skimage.data.camera()[160:288, 192:320].astype(np.float64)  # 128 x 128, 0-255


def _test_image(channels):
    """A 128 x 128 crop, 0-255, [H, W, channels]: the camera for gray models, the astronaut for colour."""
    if channels == 1:
        return _camera_crop()[..., None]
    return skimage.data.astronaut()[30:158, 180:308].astype(np.float64)


def test_bundled_models_exist():
    assert BUNDLED, "at least one pretrained model must be bundled in pretrained/"


def test_bundled_models_stay_under_the_package_index_upload_limit():
    root = os.path.dirname(resolve(BUNDLED[0]))
    size = sum(os.path.getsize(os.path.join(folder, name)) for folder, _, names in os.walk(root) for name in names)
    assert size < 100e6, f"pretrained/ holds {size / 1e6:.0f} MB; PyPI's default upload limit is 100 MB"


@pytest.mark.parametrize("name", BUNDLED)
@pytest.mark.parametrize("sigma", [15, 50])
def test_bundled_model_improves_psnr_at_the_calibrated_alpha(name, sigma):
    denoiser = tunablecnn.load_model(name)
    clean = _test_image(denoiser.channels)
    noisy = add_noise(clean, sigma, seed=7)
    restored = np.asarray(denoiser(noisy / 255.0, level=sigma) if denoiser.tunable else denoiser(noisy / 255.0))
    gain = psnr(clean, np.clip(restored * 255.0, 0, 255)) - psnr(clean, np.clip(noisy, 0, 255))
    assert gain > 5.0, f"{name} gains only {gain:.2f} dB at sigma {sigma}"


@pytest.mark.parametrize("name", BUNDLED)
def test_bundled_tflite_matches_saved_model_and_alpha_is_live(name):
    if "tflite" not in read_metadata(resolve(name))["files"]:  # shipped without (pretrained/ stays under 100 MB)
        with pytest.raises(ValueError, match="has no TFLite files; write them with: python -m tunablecnn.export"):
            tunablecnn.load_model(name, backend="tflite")
        with open(f"{resolve(name)}/README.md") as handle:
            assert "--to-tflite" in handle.read(), "the README says how to write the TFLite files"
        return
    saved, lite = tunablecnn.load_model(name), tunablecnn.load_model(name, backend="tflite")
    noisy = np.clip(add_noise(_camera_crop(), 25, seed=3), 0, 255).astype(np.uint8)
    noisy = np.repeat(noisy[..., None], saved.channels, axis=-1)
    alphas = [0.0, 0.5, 1.0] if saved.tunable else [None]
    outputs = [saved(noisy, alpha=a) for a in alphas]
    for alpha, expected in zip(alphas, outputs):
        assert np.abs(lite(noisy, alpha=alpha).astype(int) - expected.astype(int)).max() <= 1
    if saved.tunable:
        assert np.abs(outputs[0].astype(int) - outputs[-1].astype(int)).mean() > 0.5  # alpha changes the result


@pytest.mark.parametrize("name", BUNDLED)
def test_bundled_model_has_a_readme_with_data_command_and_recorded_metrics(name):
    folder = resolve(name)
    with open(f"{folder}/README.md") as handle:
        readme = handle.read()
    assert "python -m tunablecnn.train" in readme and "python -m tunablecnn.export" in readme
    assert "Train400" in readme or "CBSD432" in readme, "the README names the training data"
    metrics = read_metadata(folder)["metrics"]
    assert metrics, "metrics are recorded with `python -m tunablecnn.evaluate --record-metrics`"
    for dataset, recorded in metrics.items():
        assert dataset in readme
        for scores in recorded["sigmas"].values():
            assert f"{scores['psnr']:.2f}" in readme, f"README of {name} lacks {dataset} PSNR {scores['psnr']:.2f}"


@pytest.mark.parametrize("name", BUNDLED)
def test_bundled_model_holds_the_files_its_metadata_lists_and_its_weights(name):
    from tunablecnn.train.checkpoints import resolve_weights

    folder = resolve(name)
    for key, file in read_metadata(folder)["files"].items():
        assert os.path.exists(os.path.join(folder, file)), f"{name}: metadata lists {key} {file}, not in the folder"
    resolve_weights(folder)  # fine-tuning and export read its Keras weights or, without them, its SavedModel's variables
