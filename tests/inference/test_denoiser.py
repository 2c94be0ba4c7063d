import contextlib
import json
import shutil
import warnings

import numpy as np
import pytest

import tunablecnn
from tunablecnn import load_model
from tunablecnn.inference.noise_model import NoiseModel, noise_sigma_map


@pytest.fixture(scope="module")
def denoiser(exported_tunable):
    return load_model(str(exported_tunable))


def test_uint8_in_uint8_out_for_every_shape(denoiser, rng):
    image = rng.integers(0, 256, (21, 30), dtype=np.uint8)
    for array in (image, image[..., None], image[None, ..., None]):
        out = denoiser(array, alpha=0.5)
        assert out.dtype == np.uint8 and out.shape == array.shape
    np.testing.assert_array_equal(denoiser(image, alpha=0.5), denoiser(image[None, ..., None], alpha=0.5)[0, ..., 0])


def test_float_input_is_not_clipped_and_gives_float_in_unit_range(denoiser, rng):
    clean = rng.random((1, 24, 24, 1)).astype(np.float32)
    noisy = clean + rng.normal(0, 0.3, clean.shape).astype(np.float32)  # well outside [0, 1]
    out = denoiser(noisy, alpha=1.0)
    assert out.dtype == np.float32 and out.min() >= 0 and out.max() <= 1
    assert not np.allclose(out, denoiser(np.clip(noisy, 0, 1), alpha=1.0))  # the model saw unclipped values


def test_float_and_uint8_paths_agree_within_rounding(denoiser, rng):
    image = rng.integers(0, 256, (1, 16, 16, 1), dtype=np.uint8)
    as_float = denoiser(image.astype(np.float32) / 255, alpha=0.25)
    assert np.abs(as_float * 255 - denoiser(image, alpha=0.25)).max() <= 0.5 + 1e-3


def test_per_image_alpha_and_level_and_auto(denoiser, rng):
    batch = rng.integers(0, 256, (2, 16, 16, 1), dtype=np.uint8)
    both = denoiser(batch, alpha=[0.0, 1.0])
    np.testing.assert_array_equal(both[:1], denoiser(batch[:1], alpha=0.0))
    np.testing.assert_array_equal(both[1:], denoiser(batch[1:], alpha=1.0))
    level_alpha = denoiser.alpha_for_level(30)
    np.testing.assert_array_equal(denoiser(batch, level=30), denoiser(batch, alpha=level_alpha))
    with pytest.warns(UserWarning, match="above the calibrated range"):  # uniform noise: sigma about 70
        assert denoiser(batch, alpha="auto").shape == batch.shape
        np.testing.assert_array_equal(denoiser(batch), denoiser(batch, alpha="auto"))  # auto is the default


def test_tflite_backend_matches_saved_model(exported_tunable, denoiser, rng):
    lite = load_model(str(exported_tunable), backend="tflite")
    image = rng.integers(0, 256, (2, 20, 20, 1), dtype=np.uint8)
    for alpha in (0.0, 0.6):
        assert np.abs(lite(image, alpha=alpha).astype(int) - denoiser(image, alpha=alpha)).max() <= 1
    floats = image.astype(np.float32) / 255
    np.testing.assert_allclose(lite(floats, alpha=0.3), denoiser(floats, alpha=0.3), atol=1e-4)


def test_blind_rgb_model(exported_blind_color, rng):
    denoiser = load_model(str(exported_blind_color))
    image = rng.integers(0, 256, (17, 19, 3), dtype=np.uint8)
    assert denoiser(image).shape == image.shape
    with pytest.raises(ValueError, match="is not tunable: it takes no alpha or level"):
        denoiser(image, alpha=0.5)
    with pytest.raises(ValueError, match=r"Expected \[H, W, 3\] or \[N, H, W, 3\] for this 3-channel model"):
        denoiser(image[..., 0])


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"alpha": 1.5}, r"Expected alpha in \[-1.5, 1\] \(0 = start level, 1 = end level\)"),
    ({"alpha": -1.6}, r"Expected alpha in \[-1.5, 1\]"),
    ({"alpha": 0.5, "level": 20}, "Give alpha or level, not both"),
])
def test_bad_alpha(denoiser, kwargs, message):
    with pytest.raises(ValueError, match=message):
        denoiser(np.zeros((8, 8), np.uint8), **kwargs)


def test_bad_images(denoiser):
    with pytest.raises(ValueError, match="Expected uint8 images in \\[0, 255\\] or float images in \\[0, 1\\]"):
        denoiser(np.zeros((8, 8), np.uint16))
    with pytest.raises(ValueError, match=r"Received shape \(8, 8, 3\)"):
        denoiser(np.zeros((8, 8, 3), np.uint8), alpha=0)


def test_unknown_name_lists_the_bundled_models():
    with pytest.raises(ValueError, match="bundled models: "):
        load_model("no-such-model")


def test_bad_backend(exported_tunable):
    with pytest.raises(ValueError, match="Expected backend in"):
        load_model(str(exported_tunable), backend="onnx")


def test_the_tflite_backend_uses_every_core_by_default(exported_tunable, monkeypatch):
    from tunablecnn.inference import backends

    threads = []
    original = backends.TFLiteRunner.__init__

    def record(self, model, *, num_threads=None):
        threads.append(num_threads)
        original(self, model, num_threads=num_threads)

    monkeypatch.setattr(backends.TFLiteRunner, "__init__", record)
    monkeypatch.setattr(backends.os, "cpu_count", lambda: 3)
    load_model(str(exported_tunable), backend="tflite")
    load_model(str(exported_tunable), backend="tflite", num_threads=1)
    assert threads == [3, 3, 1, 1]  # the uint8 and the float file, each time
    with pytest.raises(ValueError, match="for backend='tflite' only"):
        load_model(str(exported_tunable), num_threads=2)


def test_old_format_is_refused(exported_tunable, tmp_path):
    copy = tmp_path / "copy"
    shutil.copytree(exported_tunable, copy)
    metadata = json.loads((copy / "metadata.json").read_text())
    (copy / "metadata.json").write_text(json.dumps({**metadata, "format_version": 99}))
    with pytest.raises(ValueError, match="format_version 99 is not supported"):
        load_model(str(copy))


@pytest.mark.parametrize("name", tunablecnn.list_models())
def test_every_bundled_model_loads_and_denoises(name, rng):
    denoiser = load_model(name)
    image = rng.integers(0, 256, (24, 24, denoiser.channels), dtype=np.uint8)
    outside = pytest.warns(UserWarning, match="above the calibrated range")  # uniform noise: sigma about 80
    with outside if denoiser.tunable else contextlib.nullcontext():
        assert denoiser(image).shape == image.shape
        if "tflite" in denoiser.metadata["files"]:  # some ship without (pretrained/ stays under 100 MB)
            assert load_model(name, backend="tflite")(image).shape == image.shape


def test_self_ensemble_is_rotation_equivariant_and_rounds_once(denoiser, rng):
    image = rng.integers(0, 256, (1, 16, 24, 1), dtype=np.uint8)
    as_float = denoiser(image.astype(np.float32) / 255, alpha=0.5, self_ensemble=True)
    as_uint8 = denoiser(image, alpha=0.5, self_ensemble=True)
    assert as_uint8.dtype == np.uint8 and as_uint8.shape == image.shape
    assert np.abs(as_float * 255 - as_uint8).max() <= 0.5 + 1e-3
    rotated = denoiser(np.rot90(image, 1, axes=(1, 2)), alpha=0.5, self_ensemble=True)
    np.testing.assert_array_equal(rotated, np.rot90(as_uint8, 1, axes=(1, 2)))
    assert not np.array_equal(as_uint8, denoiser(image, alpha=0.5))  # it really averages other views


def test_repr_names_model_method_range_and_backend(denoiser, exported_blind_color):
    assert repr(denoiser) == "Denoiser('exported', adafm, sigma 15-50, backend=saved_model)"
    blind = load_model(str(exported_blind_color), backend="tflite")
    assert repr(blind) == "Denoiser('exported', blind, backend=tflite)"


@pytest.mark.parametrize(("level", "side", "end"), [(1, "below", 2.5), (80, "above", 50)])
def test_level_outside_the_calibrated_range_warns_with_range_and_alpha(denoiser, level, side, end):
    image = np.full((16, 16), 128, np.uint8)
    alpha = denoiser.alpha_for_level(end)
    expected = (f"exported: level {level} is {side} the calibrated range (sigma 2.5-50): "
                f"using alpha {alpha:.2f}, the alpha for sigma {end}")
    with pytest.warns(UserWarning) as record:
        out = denoiser(image, level=level)
    assert [str(w.message) for w in record] == [expected]
    assert record[0].filename == __file__  # the warning points at the caller's line
    np.testing.assert_array_equal(out, denoiser(image, alpha=alpha))


def test_auto_alpha_on_a_clean_image_warns(denoiser):
    clean = np.tile(np.linspace(40, 200, 32, dtype=np.float32), (32, 1)).astype(np.uint8)  # estimated sigma ~0
    with pytest.warns(UserWarning, match=r"exported: estimated noise sigma \d+\.\d is below the calibrated range "
                                         r"\(sigma 2.5-50\): using alpha -?\d\.\d\d, the alpha for sigma 2.5") as record:
        denoiser(clean)
    assert record[0].filename == __file__


def test_levels_inside_the_calibrated_range_do_not_warn(denoiser, rng):
    noisy = np.clip(128 + rng.normal(0, 30, (64, 64)), 0, 255).astype(np.uint8)
    assert 15 < denoiser.estimate_level(noisy) < 50
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for kwargs in ({"level": 15}, {"level": 50}, {"alpha": "auto"}, {"alpha": 0.3}):
            denoiser(noisy, **kwargs)


@pytest.fixture(scope="module")
def uncalibrated(exported_tunable, tmp_path_factory):
    """The tunable export as if exported without calibration images."""
    copy = tmp_path_factory.mktemp("uncalibrated") / "exported"
    shutil.copytree(exported_tunable, copy)
    metadata = json.loads((copy / "metadata.json").read_text())
    metadata["tunable"]["calibration"] = []
    (copy / "metadata.json").write_text(json.dumps(metadata))
    return load_model(str(copy))


@pytest.mark.parametrize(("kwargs", "message"), [
    ({}, "so alpha 'auto' (the default when neither alpha nor level is given) cannot choose alpha: give alpha"),
    ({"alpha": "auto"}, "so alpha 'auto' (the default when neither alpha nor level is given) cannot choose alpha"),
    ({"level": 20}, "so a noise level cannot be mapped to alpha: give alpha, a number in [0, 1]"),
])
def test_without_calibration_the_message_fits_the_call(uncalibrated, kwargs, message):
    image = np.zeros((8, 8), np.uint8)
    with pytest.raises(ValueError, match="exported has no level calibration") as error:
        uncalibrated(image, **kwargs)
    assert message in str(error.value)
    assert uncalibrated(image, alpha=0.5).shape == image.shape


def test_alpha_maps_of_every_shape_and_a_constant_map_give_the_scalar_output(exported_tunable, denoiser, rng):
    image = rng.integers(0, 256, (20, 28), dtype=np.uint8)
    scalar = denoiser(image, alpha=0.4)
    constant = np.full((20, 28), 0.4, np.float32)
    for alpha_map in (constant, constant[..., None], constant[None, ..., None]):
        assert np.abs(denoiser(image, alpha=alpha_map).astype(int) - scalar).max() <= 1
    lite = load_model(str(exported_tunable), backend="tflite")
    assert np.abs(lite(image, alpha=constant).astype(int) - scalar).max() <= 1
    batch = np.stack([image, image[::-1]])[..., None]
    per_image = denoiser(batch, alpha=np.stack([constant, constant * 0 + 1])[..., None])
    np.testing.assert_array_equal(per_image[1], denoiser(batch[1], alpha=1.0))


def test_level_map_goes_through_the_calibration_per_pixel(denoiser, rng):
    image = rng.random((16, 24)).astype(np.float32)
    sigmas = np.broadcast_to(np.linspace(15, 50, 24, dtype=np.float32), (16, 24))
    expected = denoiser(image, alpha=denoiser.alpha_for_level(sigmas))
    np.testing.assert_array_equal(denoiser(image, level=sigmas), expected)
    with pytest.warns(UserWarning, match="level map spans sigma 1.0-50.0; 50 % of its pixels lie outside"):
        denoiser(image, level=np.where(np.arange(24) < 12, 1.0, 50.0) * np.ones((16, 1)))


def test_auto_map_estimates_a_noise_model_and_uses_its_alpha_map(denoiser, rng):
    clean = np.broadcast_to(np.linspace(0.1, 0.9, 64, dtype=np.float32), (64, 64))
    noisy = clean + rng.normal(size=clean.shape).astype(np.float32) * np.sqrt(3.0 * clean * 255 + 100) / 255
    alphas, estimate = denoiser.auto_alpha_map(noisy)
    assert alphas.shape == (64, 64) and estimate["a"] > 1 and estimate["sigma"][0] < estimate["sigma"][1]
    sigmas = noise_sigma_map(noisy * 255.0, NoiseModel(estimate["a"], estimate["b"]))
    assert sigmas[:, -8:].mean() > sigmas[:, :8].mean() + 10  # brighter, noisier
    np.testing.assert_allclose(alphas, denoiser.alpha_for_level(sigmas), atol=1e-6)
    np.testing.assert_array_equal(denoiser(noisy, alpha="auto-map"), denoiser(noisy, alpha=alphas))


def test_self_ensemble_turns_the_map_with_the_image(denoiser, rng):
    image = rng.integers(0, 256, (1, 16, 24, 1), dtype=np.uint8)
    alpha_map = np.broadcast_to(np.linspace(0, 1, 24, dtype=np.float32)[None, None, :, None], (1, 16, 24, 1))
    out = denoiser(image, alpha=alpha_map, self_ensemble=True)
    turned = denoiser(np.rot90(image, 1, axes=(1, 2)), alpha=np.rot90(alpha_map, 1, axes=(1, 2)), self_ensemble=True)
    np.testing.assert_array_equal(turned, np.rot90(out, 1, axes=(1, 2)))


@pytest.mark.parametrize(("alpha", "message"), [
    (np.zeros((5, 7, 1)), r"Expected alpha as a number or a map \[16, 16\], \[16, 16, 1\] or \[1, 16, 16, 1\]"),
    (np.full((16, 16), 1.5), "Expected alpha in \\[-1.5, 1\\] \\(0 = start level, 1 = end level\\). Received: an alpha map from 1.5 to 1.5"),
])
def test_bad_alpha_maps(denoiser, alpha, message):
    with pytest.raises(ValueError, match=message):
        denoiser(np.zeros((16, 16), np.uint8), alpha=alpha)


@pytest.mark.parametrize("backend", ["saved_model", "tflite"])
def test_a_folder_without_the_map_signature_says_to_reexport(exported_tunable, tmp_path, backend, rng):
    copy = tmp_path / "old"
    shutil.copytree(exported_tunable, copy)
    metadata = json.loads((copy / "metadata.json").read_text())
    del metadata["alpha_map_signature"]  # as written before alpha maps existed
    (copy / "metadata.json").write_text(json.dumps(metadata))
    old = load_model(str(copy), backend=backend)
    image = rng.integers(0, 256, (16, 16), dtype=np.uint8)
    assert old(image, alpha=0.5).shape == image.shape
    with pytest.raises(ValueError, match="exported without the alpha-map signature .* re-export it with"):
        old(image, alpha=np.full((16, 16), 0.5, np.float32))
