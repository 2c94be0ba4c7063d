"""What the page does, without Gradio: the same results as `load_model`, crops, inputs, samples and numbers."""

import cv2
import numpy as np
import pytest

from tunablecnn import load_model
from tunablecnn.app import Viewer, crop_box, crop_pair, describe, model_input, sample_image, sample_names
from tunablecnn.app.viewer import View, save_result
from tunablecnn.data import read_image
from tunablecnn.evaluate.sweep import Crop


@pytest.fixture
def viewer(exported_tunable):
    return Viewer([exported_tunable])


def test_denoise_is_load_model_at_the_alpha_with_the_estimate_and_its_calibrated_alpha(viewer, exported_tunable,
                                                                                     rng):
    image = rng.integers(0, 256, (20, 24, 1), dtype=np.uint8)
    view = viewer.denoise(str(exported_tunable), image, 0.3)
    denoiser = load_model(exported_tunable)
    np.testing.assert_array_equal(view.restored, denoiser(image, alpha=0.3))
    assert (view.calibrated, view.sigma) == denoiser.auto_alpha(image) and view.alpha == 0.3
    assert viewer.alpha_for_level(str(exported_tunable), 30) == denoiser.alpha_for_level(30)


def test_each_model_is_loaded_once_and_only_offered_models_load(viewer, exported_tunable):
    assert viewer.model(str(exported_tunable)) is viewer.model(str(exported_tunable))
    with pytest.raises(ValueError, match="Unknown model 'other'; this page offers .*exported"):
        viewer.model("other")
    with pytest.raises(ValueError, match="Expected at least one model"):
        Viewer([])


def test_model_input_converts_as_the_file_reader_does(tmp_path, rng):
    rgb = rng.integers(0, 256, (9, 8, 3), dtype=np.uint8)
    cv2.imwrite(str(tmp_path / "rgb.png"), rgb[..., ::-1])
    gray, notes = model_input(rgb, 1)
    expected = np.round(read_image(tmp_path / "rgb.png", 1).pixels * 255).astype(np.uint8)
    np.testing.assert_array_equal(gray, expected)
    assert notes == ["colour picture converted to gray"]
    np.testing.assert_array_equal(model_input(rgb[..., 0], 1)[0], rgb[..., :1])  # gray stays as it is
    rgba = np.concatenate([rgb, np.full((9, 8, 1), 255, np.uint8)], axis=2)
    np.testing.assert_array_equal(model_input(rgba, 3)[0], rgb)
    assert model_input(rgba, 3)[1] == ["alpha channel dropped"]
    deep, notes = model_input(np.full((4, 4), 65535, np.int32), 3)
    assert deep.shape == (4, 4, 3) and deep.min() == 255
    assert notes == ["int32 picture reduced to 8 bits", "gray picture replicated to 3 channels"]
    with pytest.raises(ValueError, match=r"Expected a picture \[H, W\] or \[H, W, 1-4\]"):
        model_input(np.zeros((4, 4, 5), np.uint8), 1)


@pytest.mark.parametrize(("centre", "size", "expected"), [
    ((0.5, 0.5), 10, Crop(15, 5, 10, 10)),
    ((0.0, 1.0), 10, Crop(0, 10, 10, 10)),  # kept inside the picture
    ((0.5, 0.5), 64, Crop(0, 0, 40, 20)),  # no larger than the picture
])
def test_crop_box_is_centred_and_stays_inside(centre, size, expected):
    assert crop_box((20, 40, 1), centre, size) == expected


def test_crop_pair_shows_input_and_result_magnified_side_by_side(rng):
    image = rng.integers(0, 256, (20, 40, 1), dtype=np.uint8)
    view = View(image, 255 - image, 0.5, None, None, None, 0.1)
    pair, box = crop_pair(view, (0.5, 0.5), 10, 3)
    assert pair.shape == (30, 2 * 30 + 4, 1) and box == Crop(15, 5, 10, 10)
    np.testing.assert_array_equal(pair[::3, :30:3], image[5:15, 15:25])
    np.testing.assert_array_equal(pair[::3, 34::3], 255 - image[5:15, 15:25])
    assert (pair[:, 30:34] == 255).all()


def test_describe_says_alpha_estimate_calibrated_alpha_note_and_crop():
    image = np.zeros((6, 8, 1), np.uint8)
    view = View(image, image, 0.25, 60.0, 1.0, "estimated noise sigma 60.0 is above the calibrated range", 0.5)
    text = describe(view, "m", Crop(1, 2, 3, 4))
    assert text.split("\n\n") == [
        "**alpha 0.25**, model m: 8x6 gray picture in 0.50 s",
        "estimated noise sigma **60.0** (0-255): calibrated alpha **1.00**",
        "note: estimated noise sigma 60.0 is above the calibrated range",
        "crop: x 1, y 2, 3x4 pixels",
    ]
    assert describe(View(image, image, 0.5, None, None, None, 0.1), "m").count("\n\n") == 0  # no calibration


def test_samples_are_gray_seeded_and_as_noisy_as_named():
    names = sample_names()
    noisy, clean = sample_image(names[1]), sample_image(names[-1])
    assert noisy.dtype == np.uint8 and noisy.ndim == 2 and np.array_equal(noisy, sample_image(names[1]))
    unclipped = (clean > 80) & (clean < 175)  # the sample is clipped to 0-255, which hides noise near black
    assert "sigma 25" in names[1] and 24 < np.std(noisy[unclipped].astype(float) - clean[unclipped]) < 26
    with pytest.raises(ValueError, match="Unknown sample 'x'"):
        sample_image("x")


def test_save_result_writes_the_result_exactly(tmp_path, rng):
    image = rng.integers(0, 256, (6, 8, 1), dtype=np.uint8)
    path = save_result(View(image, image, 0.4, None, None, None, 0.1), str(tmp_path))
    assert path.endswith(".png") and "alpha0.40" in path
    np.testing.assert_array_equal(cv2.imread(path, cv2.IMREAD_UNCHANGED), image[..., 0])
