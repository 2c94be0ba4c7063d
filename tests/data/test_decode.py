import logging
import os
import warnings

import cv2
import numpy as np
import pytest
import skimage
import tensorflow as tf

from tunablecnn.data.decode import DecodeFailures, decode_bytes, exhausted_message, load_image, read_image


def _encode(image, extension):
    ok, data = cv2.imencode(extension, image)
    assert ok
    return data.tobytes()


def test_8_bit_gray_png_is_scaled_by_255(rng):
    pixels = rng.integers(0, 256, (5, 7), dtype=np.uint8)
    image = decode_bytes(_encode(pixels, ".png"), 1)
    assert image.dtype == np.float32 and image.shape == (5, 7, 1)
    np.testing.assert_allclose(image[:, :, 0], pixels / 255.0, atol=1e-7)


@pytest.mark.parametrize("extension", [".png", ".tif"])
def test_16_bit_images_are_scaled_by_65535(extension):
    pixels = np.full((4, 6, 3), 32768, np.uint16)
    pixels[0, 0] = 65535
    image = decode_bytes(_encode(pixels, extension), 3)
    assert image.max() == pytest.approx(1.0)
    assert image[1, 1, 0] == pytest.approx(0.5, abs=1e-4)  # not 128.5: scaled by the 16-bit maximum


def test_colour_comes_out_rgb_not_bgr():
    blue_bgr = np.zeros((3, 3, 3), np.uint8)
    blue_bgr[:, :, 0] = 255
    image = decode_bytes(_encode(blue_bgr, ".bmp"), 3)
    np.testing.assert_array_equal(image[0, 0], [0.0, 0.0, 1.0])


def test_gray_to_rgb_replicates_and_rgb_to_gray_uses_luma_weights():
    gray = decode_bytes(_encode(np.full((2, 2), 100, np.uint8), ".png"), 3)
    np.testing.assert_allclose(gray, 100 / 255.0)
    red_bgr = np.zeros((2, 2, 3), np.uint8)
    red_bgr[:, :, 2] = 255
    luma = decode_bytes(_encode(red_bgr, ".png"), 1)
    assert luma.shape == (2, 2, 1)
    np.testing.assert_allclose(luma, 0.299, atol=1e-3)


def test_alpha_is_dropped():
    bgra = np.full((2, 2, 4), 200, np.uint8)
    assert decode_bytes(_encode(bgra, ".png"), 3).shape == (2, 2, 3)


def test_jpeg_decodes(rng):
    image = decode_bytes(_encode(rng.integers(0, 256, (8, 9, 3), dtype=np.uint8), ".jpg"), 3)
    assert image.shape == (8, 9, 3) and 0 <= image.min() and image.max() <= 1


def test_unreadable_files_give_none(image_folder, tmp_path):
    assert read_image(str(image_folder / "sub" / "truncated.png"), 1) is None
    assert read_image(str(image_folder / "fake.png"), 1) is None
    assert read_image(str(tmp_path / "missing.png"), 1) is None
    assert decode_bytes(b"", 1) is None


def test_load_image_in_tensorflow(image_folder):
    failures = DecodeFailures(total=10)
    image, ok = load_image(tf.constant(str(image_folder / "sub" / "wide16.tif")), 3, failures)
    assert bool(ok) and image.shape == (20, 48, 3) and image.dtype == tf.float32
    image, ok = load_image(tf.constant(str(image_folder / "sub" / "truncated.png")), 3, failures)
    assert not bool(ok) and image.shape == (0, 0, 3)
    assert len(failures.paths) == 1


def test_load_image_fails_with_the_message_once_every_file_failed(image_folder):
    failures = DecodeFailures(total=1, source="dataset.directory /data")
    with pytest.raises(tf.errors.InvalidArgumentError) as raised:
        load_image(tf.constant(str(image_folder / "sub" / "truncated.png")), 1, failures)
    assert exhausted_message(raised.value) == failures.message
    assert failures.message.startswith("dataset.directory /data: none of the 1 image(s) decodes any more")
    assert exhausted_message(tf.errors.InvalidArgumentError(None, None, "assertion failed: [x > 0]")) is None


def test_failures_are_counted_once_and_logged(caplog):
    failures = DecodeFailures(total=3)
    with caplog.at_level(logging.WARNING, logger="tunablecnn.data.decode"):
        assert not failures.record("a.png")
        assert not failures.record("a.png")
        assert not failures.record("b.png")
    assert failures.paths == {"a.png", "b.png"} and "a.png" in failures
    assert "(2 skipped so far)" in caplog.text
    assert failures.record("c.png") and failures.record("a.png")  # all failed: on every later failure too
    assert caplog.text.count("skipped unreadable image") == 3


def test_float64_tiff_beyond_float32_range_decodes_without_overflow_warning():
    pixels = np.full((3, 4), 1e200)  # scikit-image's multipage_rgb.tif holds values like this
    pixels[0, :3] = [0.25, -1e200, np.nan]
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # "overflow encountered in cast" was a RuntimeWarning
        image = decode_bytes(_encode(pixels, ".tif"), 1)[:, :, 0]
    np.testing.assert_array_equal(image[0], [0.25, 0.0, 0.0, 1.0])
    assert (image[1:] == 1.0).all()


def test_png_colour_profile_warnings_do_not_reach_stderr(capfd):
    """libpng prints `iCCP` warnings straight to stderr (inside the training progress bar)."""
    path = os.path.join(os.path.dirname(skimage.__file__), "data", "page.png")
    data = np.fromfile(path, np.uint8)
    assert b"iCCP" in data[:200].tobytes()  # the sample image this test relies on has a colour profile
    image = read_image(path, 1)
    assert "libpng" not in capfd.readouterr().err
    np.testing.assert_array_equal(np.round(image[:, :, 0] * 255), cv2.imdecode(data, cv2.IMREAD_GRAYSCALE))
