import os
import re
import warnings

import cv2
import numpy as np
import pytest
import skimage

from tunablecnn.data import ImageError, read_image, write_image


def _file(tmp_path, pixels, extension):
    path = tmp_path / f"image{extension}"
    assert cv2.imwrite(str(path), pixels)
    return str(path)


def test_8_bit_gray_png_is_scaled_by_255(tmp_path, rng):
    pixels = rng.integers(0, 256, (5, 7), dtype=np.uint8)
    image = read_image(_file(tmp_path, pixels, ".png"), 1)
    assert image.pixels.dtype == np.float32 and image.pixels.shape == (5, 7, 1)
    assert image.bits == 8 and image.notes == ()
    np.testing.assert_allclose(image.pixels[:, :, 0], pixels / 255.0, atol=1e-7)


@pytest.mark.parametrize("extension", [".png", ".tif"])
def test_16_bit_images_are_scaled_by_65535_and_say_so(tmp_path, extension):
    pixels = np.full((4, 6, 3), 32768, np.uint16)
    pixels[0, 0] = 65535
    image = read_image(_file(tmp_path, pixels, extension), 3)
    assert image.bits == 16 and image.pixels.max() == pytest.approx(1.0)
    assert image.pixels[1, 1, 0] == pytest.approx(0.5, abs=1e-4)  # not 128.5: scaled by the 16-bit maximum


def test_16_bit_round_trip_keeps_every_level(tmp_path, rng):
    pixels = rng.integers(0, 65536, (6, 5), dtype=np.uint16)
    path = str(tmp_path / "deep.png")
    write_image(path, read_image(_file(tmp_path, pixels, ".tif"), 1).pixels, bits=16)
    np.testing.assert_array_equal(cv2.imread(path, cv2.IMREAD_UNCHANGED), pixels)


def test_8_bit_round_trip_of_uint8_and_of_float(tmp_path, rng):
    pixels = rng.integers(0, 256, (6, 5, 3), dtype=np.uint8)
    write_image(str(tmp_path / "a.png"), pixels)
    write_image(str(tmp_path / "b.png"), pixels / 255.0)
    for name in ("a.png", "b.png"):
        np.testing.assert_array_equal(read_image(str(tmp_path / name), 3).pixels, pixels / np.float32(255.0))


def test_colour_comes_out_rgb_not_bgr(tmp_path):
    blue_bgr = np.zeros((3, 3, 3), np.uint8)
    blue_bgr[:, :, 0] = 255
    np.testing.assert_array_equal(read_image(_file(tmp_path, blue_bgr, ".bmp"), 3).pixels[0, 0], [0.0, 0.0, 1.0])


def test_gray_to_rgb_replicates_and_rgb_to_gray_uses_luma_weights(tmp_path):
    gray = read_image(_file(tmp_path, np.full((2, 2), 100, np.uint8), ".png"), 3)
    np.testing.assert_allclose(gray.pixels, 100 / 255.0)
    assert gray.notes == ("gray image replicated to 3 channels",)
    red_bgr = np.zeros((2, 2, 3), np.uint8)
    red_bgr[:, :, 2] = 255
    luma = read_image(_file(tmp_path, red_bgr, ".bmp"), 1)
    assert luma.pixels.shape == (2, 2, 1) and luma.notes == ("colour image converted to gray",)
    np.testing.assert_allclose(luma.pixels, 0.299, atol=1e-3)


def test_alpha_is_dropped_with_a_note(tmp_path):
    image = read_image(_file(tmp_path, np.full((2, 2, 4), 200, np.uint8), ".png"), 3)
    assert image.pixels.shape == (2, 2, 3) and image.notes == ("alpha channel dropped",)


def test_jpeg_decodes(tmp_path, rng):
    image = read_image(_file(tmp_path, rng.integers(0, 256, (8, 9, 3), dtype=np.uint8), ".jpg"), 3).pixels
    assert image.shape == (8, 9, 3) and 0 <= image.min() and image.max() <= 1


def _write(path, data):
    path.write_bytes(data)
    return path


_PNG = cv2.imencode(".png", np.zeros((16, 16), np.uint8))[1].tobytes()


@pytest.mark.parametrize(("make", "reason"), [
    (lambda d: d / "missing.png", "file not found"),
    (lambda d: _write(d / "empty.png", b""), "empty file"),
    (lambda d: _write(d / "text.png", b"not an image"),
     "not a readable PNG, JPEG, BMP or TIFF image (truncated, damaged or another format)"),
    (lambda d: _write(d / "cut.png", _PNG[:60]), "not a readable PNG"),
    (lambda d: d, "cannot read"),
], ids=["missing", "empty", "text", "truncated", "folder"])
def test_unreadable_files_raise_an_error_naming_the_file(tmp_path, make, reason):
    path = str(make(tmp_path))
    with pytest.raises(ImageError, match=re.escape(f"{path}: {reason}")):
        read_image(path, 1)


def test_bad_arguments_raise_value_errors(tmp_path):
    with pytest.raises(ValueError, match="Expected channels 1 or 3. Received: channels=2"):
        read_image(str(tmp_path / "any.png"), 2)
    with pytest.raises(ValueError, match="Expected bits 8 or 16. Received: bits=12"):
        write_image(str(tmp_path / "any.png"), np.zeros((2, 2)), bits=12)


def test_a_name_opencv_cannot_write_raises_an_image_error(tmp_path):
    with pytest.raises(ImageError, match=r"out\.xyz: cannot write an image file there \(use a \.png"):
        write_image(str(tmp_path / "out.xyz"), np.zeros((2, 2), np.uint8))


def test_16_bits_go_to_a_format_that_holds_8_only_as_8(tmp_path):
    write_image(str(tmp_path / "deep.jpg"), np.full((8, 8), 0.5, np.float32), bits=16)
    image = read_image(str(tmp_path / "deep.jpg"), 1)
    assert image.bits == 8 and np.abs(image.pixels - 128 / 255).max() < 2 / 255


def test_write_image_creates_the_folder_and_writes_gray_with_one_channel(tmp_path):
    path = tmp_path / "new" / "gray.png"
    write_image(str(path), np.full((3, 4, 1), 0.5, np.float32))
    assert cv2.imread(str(path), cv2.IMREAD_UNCHANGED).tolist() == [[128] * 4] * 3


def test_float64_tiff_beyond_float32_range_decodes_without_overflow_warning(tmp_path):
    pixels = np.full((3, 4), 1e200)  # scikit-image's multipage_rgb.tif holds values like this
    pixels[0, :3] = [0.25, -1e200, np.nan]
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # "overflow encountered in cast" was a RuntimeWarning
        image = read_image(_file(tmp_path, pixels, ".tif"), 1)
    np.testing.assert_array_equal(image.pixels[0, :, 0], [0.25, 0.0, 0.0, 1.0])
    assert (image.pixels[1:] == 1.0).all() and image.bits == 64


def test_png_colour_profile_warnings_do_not_reach_stderr(capfd):
    """libpng prints `iCCP` warnings straight to stderr (inside the training progress bar)."""
    path = os.path.join(os.path.dirname(skimage.__file__), "data", "page.png")
    data = np.fromfile(path, np.uint8)
    assert b"iCCP" in data[:200].tobytes()  # the sample image this test relies on has a colour profile
    image = read_image(path, 1).pixels
    assert "libpng" not in capfd.readouterr().err
    np.testing.assert_array_equal(np.round(image[:, :, 0] * 255), cv2.imdecode(data, cv2.IMREAD_GRAYSCALE))
