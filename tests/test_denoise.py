import json
import os
import shutil

import cv2
import numpy as np
import pytest

from tunablecnn import load_model
from tunablecnn.denoise import main


@pytest.fixture
def noisy_png(tmp_path, rng):
    path = tmp_path / "noisy.png"
    cv2.imwrite(str(path), rng.integers(0, 256, (20, 24), dtype=np.uint8))
    return path


def _run(*args):
    return main([str(a) for a in args])


def test_one_image_with_alpha(exported_tunable, noisy_png, tmp_path):
    assert _run(noisy_png, "--model", exported_tunable, "--output", tmp_path / "out.png", "--alpha", "0.4") == 0
    out = cv2.imread(str(tmp_path / "out.png"), cv2.IMREAD_UNCHANGED)
    assert out.shape == (20, 24) and out.dtype == np.uint8


def test_self_ensemble_option(exported_tunable, noisy_png, tmp_path):
    assert _run(noisy_png, "--model", exported_tunable, "--output", tmp_path / "x8.png", "--alpha", "0.4",
                "--self-ensemble") == 0
    noisy = cv2.imread(str(noisy_png), cv2.IMREAD_UNCHANGED)
    expected = load_model(exported_tunable)(noisy, alpha=0.4, self_ensemble=True)
    np.testing.assert_array_equal(cv2.imread(str(tmp_path / "x8.png"), cv2.IMREAD_UNCHANGED), expected)


def test_level_and_auto_and_tflite(exported_tunable, noisy_png, tmp_path, caplog):
    import logging

    caplog.set_level(logging.INFO)
    assert _run(noisy_png, "--model", exported_tunable, "--output", tmp_path / "a.png", "--level", "30") == 0
    assert _run(noisy_png, "--model", exported_tunable, "--output", tmp_path / "b.png", "--alpha", "auto",
                "--backend", "tflite") == 0
    denoiser = load_model(exported_tunable)
    assert f"(alpha {denoiser.alpha_for_level(30):.2f}: level 30)" in caplog.text
    assert "estimated noise sigma" in caplog.text  # the log says which alpha auto chose
    noisy = cv2.imread(str(noisy_png), cv2.IMREAD_GRAYSCALE)
    assert np.array_equal(cv2.imread(str(tmp_path / "a.png"), cv2.IMREAD_GRAYSCALE), denoiser(noisy, level=30))


def test_several_images_into_a_folder_with_16_bit_rgba_and_colour(exported_tunable, tmp_path, rng):
    sixteen = tmp_path / "deep.tif"
    cv2.imwrite(str(sixteen), rng.integers(0, 65536, (16, 16), dtype=np.uint16))
    rgba = tmp_path / "rgba.png"
    cv2.imwrite(str(rgba), rng.integers(0, 256, (16, 16, 4), dtype=np.uint8))
    bgr = tmp_path / "colour.jpg"
    cv2.imwrite(str(bgr), rng.integers(0, 256, (16, 16, 3), dtype=np.uint8))
    assert _run(sixteen, rgba, bgr, "--model", exported_tunable, "--output", tmp_path / "out", "--alpha", "0") == 0
    deep = cv2.imread(str(tmp_path / "out" / "deep.tif"), cv2.IMREAD_UNCHANGED)
    restored = load_model(exported_tunable)(cv2.imread(str(sixteen), cv2.IMREAD_UNCHANGED) / np.float32(65535), alpha=0)
    np.testing.assert_array_equal(deep, np.round(np.clip(restored, 0, 1) * 65535).astype(np.uint16))  # in float
    assert cv2.imread(str(tmp_path / "out" / "rgba.png"), cv2.IMREAD_UNCHANGED).shape == (16, 16)  # gray model
    assert os.path.isfile(tmp_path / "out" / "colour.jpg")


def test_gray_image_into_colour_model(exported_blind_color, noisy_png, tmp_path):
    assert _run(noisy_png, "--model", exported_blind_color, "--output", tmp_path / "rgb.png") == 0
    assert cv2.imread(str(tmp_path / "rgb.png"), cv2.IMREAD_UNCHANGED).shape == (20, 24, 3)


def test_sweep_writes_one_grid(exported_tunable, noisy_png, tmp_path):
    assert _run(noisy_png, "--model", exported_tunable, "--output", tmp_path / "sweep.png", "--sweep", "0:1:0.25") == 0
    grid = cv2.imread(str(tmp_path / "sweep.png"))
    assert grid is not None and grid.shape[1] > grid.shape[0]  # input, 5 alphas and the calibrated one, 4 a row


def test_sweep_crop_shows_the_results_pixels_at_one_to_one(exported_tunable, noisy_png, tmp_path):
    from tunablecnn.evaluate.sweep import MARGIN, TITLE

    assert _run(noisy_png, "--model", exported_tunable, "--output", tmp_path / "crop.png", "--sweep", "0.5:0.5:1",
                "--crop", "4,2,12,10", "--zoom", "1") == 0
    grid = cv2.imread(str(tmp_path / "crop.png"), cv2.IMREAD_GRAYSCALE)
    noisy = cv2.imread(str(noisy_png), cv2.IMREAD_GRAYSCALE)
    np.testing.assert_array_equal(grid[MARGIN + TITLE:MARGIN + TITLE + 10, MARGIN:MARGIN + 12], noisy[2:12, 4:16])


def test_a_sweep_crop_outside_the_picture_exits_two(exported_tunable, noisy_png, tmp_path, capsys):
    assert _run(noisy_png, "--model", exported_tunable, "--output", tmp_path / "s.png", "--sweep", "0:1:1",
                "--crop", "16,0,16,8") == 2
    assert "error: crop 16,0,16,8 does not fit inside the 24x20 image" in capsys.readouterr().err


@pytest.mark.parametrize(("args", "message"), [
    (["--alpha", "1.5"], "alpha must be in [-1.5, 1], not 1.5"),
    (["--alpha", "-2"], "alpha must be in [-1.5, 1], not -2.0"),
    (["--alpha", "much"], "alpha must be a number in [-1.5, 1], 'auto' or 'auto-map'"),
    (["--sweep", "0:2:1"], "--sweep needs 0 <= START <= STOP <= 1"),
    (["--sweep", "0:1:0.5", "--crop", "1,2,3"], "crop wants X,Y,WIDTH,HEIGHT in whole pixels"),
    (["--alpha", "0.5", "--crop", "0,0,8,8"], "--crop and --zoom shape the --sweep figure: give --sweep too"),
    (["--threads", "2"], "--threads N (N >= 1) sets the TFLite interpreter's threads: use it with --backend tflite"),
    (["--precision", "int8"], "--precision int8 picks quantized TFLite files: use it with --backend tflite"),
])
def test_bad_arguments_exit_two(exported_tunable, noisy_png, tmp_path, capsys, args, message):
    with pytest.raises(SystemExit) as exit_info:
        _run(noisy_png, "--model", exported_tunable, "--output", tmp_path / "o.png", *args)
    assert exit_info.value.code == 2 and message in capsys.readouterr().err


@pytest.mark.parametrize(("make", "message"), [
    (lambda d: d / "missing.png", "missing.png: file not found"),
    (lambda d: (d / "text.png").write_text("not an image") and d / "text.png", "text.png: not a readable"),
])
def test_bad_files_exit_two(exported_tunable, tmp_path, capsys, make, message):
    assert _run(make(tmp_path), "--model", exported_tunable, "--output", tmp_path / "o.png") == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err


def test_unknown_model_exits_two(noisy_png, tmp_path, capsys):
    assert _run(noisy_png, "--model", "nope", "--output", tmp_path / "o.png") == 2
    assert "bundled models:" in capsys.readouterr().err


def test_blind_model_refuses_alpha(exported_blind_color, noisy_png, tmp_path, capsys):
    assert _run(noisy_png, "--model", exported_blind_color, "--output", tmp_path / "o.png", "--alpha", "0.5") == 2
    assert "is not tunable" in capsys.readouterr().err


@pytest.mark.parametrize(("level", "side", "end"), [("80", "above", 50), ("1", "below", 2.5)])
def test_level_outside_the_calibrated_range_is_noted_on_stderr(exported_tunable, noisy_png, tmp_path, capsys,
                                                               level, side, end):
    assert _run(noisy_png, "--model", exported_tunable, "--output", tmp_path / "o.png", "--level", level) == 0
    alpha = load_model(exported_tunable).alpha_for_level(end)
    assert (f"note: {noisy_png}: level {level} is {side} the calibrated range (sigma 2.5-50): "
            f"using alpha {alpha:.2f}, the alpha for sigma {end}") in capsys.readouterr().err


def test_auto_on_a_clean_image_is_noted_and_a_level_inside_is_not(exported_tunable, tmp_path, capsys):
    clean = tmp_path / "clean.png"
    cv2.imwrite(str(clean), np.tile(np.linspace(40, 200, 32), (32, 1)).astype(np.uint8))
    assert _run(clean, "--model", exported_tunable, "--output", tmp_path / "a.png") == 0
    err = capsys.readouterr().err
    assert f"note: {clean}: estimated noise sigma 0.0 is below the calibrated range (sigma 2.5-50)" in err
    assert _run(clean, "--model", exported_tunable, "--output", tmp_path / "b.png", "--level", "30") == 0
    assert "note:" not in capsys.readouterr().err


def test_auto_without_calibration_says_so(exported_tunable, noisy_png, tmp_path, capsys):
    copy = tmp_path / "uncalibrated"
    shutil.copytree(exported_tunable, copy)
    metadata = json.loads((copy / "metadata.json").read_text())
    metadata["tunable"]["calibration"] = []
    (copy / "metadata.json").write_text(json.dumps(metadata))
    assert _run(noisy_png, "--model", copy, "--output", tmp_path / "o.png") == 2
    assert ("error: exported has no level calibration (it was exported without calibration images), so alpha "
            "'auto' (the default when neither alpha nor level is given) cannot choose alpha: give alpha, a number in "
            "[0, 1]") in capsys.readouterr().err


def test_auto_map_notes_the_estimated_noise_model_on_stderr(exported_tunable, tmp_path, capsys, rng):
    clean = np.broadcast_to(np.linspace(30, 220, 64), (64, 64))
    noisy = np.clip(clean + rng.normal(size=clean.shape) * np.sqrt(3.0 * clean + 100), 0, 255).astype(np.uint8)
    cv2.imwrite(str(tmp_path / "photo.png"), noisy)
    assert _run(tmp_path / "photo.png", "--model", exported_tunable, "--output", tmp_path / "out.png",
                "--alpha", "auto-map") == 0
    err = capsys.readouterr().err
    assert "estimated noise variance = " in err and "* signal + " in err and "sigma " in err and "alpha " in err
    alphas, _ = load_model(exported_tunable).auto_alpha_map(noisy)
    expected = load_model(exported_tunable)(noisy, alpha=alphas)
    np.testing.assert_array_equal(cv2.imread(str(tmp_path / "out.png"), cv2.IMREAD_GRAYSCALE), expected)
