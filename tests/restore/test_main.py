import logging

import cv2
import numpy as np
import pytest

import tunablecnn
from tunablecnn.restore.__main__ import main
from tunablecnn.restore.operators import FourierOperator, psf_to_otf

MODEL = "adafm-unet16-gray-15-50"


@pytest.fixture
def blurred(tmp_path, clean, kernel):
    x = clean[0]
    y = FourierOperator(psf_to_otf(kernel, x.shape[:2])).degrade(x)
    cv2.imwrite(str(tmp_path / "clean.png"), np.round(x * 255).astype(np.uint8))
    cv2.imwrite(str(tmp_path / "blurred.png"), np.round(np.clip(y, 0, 1) * 255).astype(np.uint8))
    np.save(tmp_path / "kernel.npy", kernel)
    return tmp_path


def test_package_root_exposes_restore_as_a_function():
    assert callable(tunablecnn.restore) and "restore" in tunablecnn.__all__


def test_deblur_writes_the_result_the_steps_and_psnr_progress(blurred, caplog):
    caplog.set_level(logging.INFO, logger="tunablecnn")
    status = main([str(blurred / "blurred.png"), "--task", "deblur", "--kernel", str(blurred / "kernel.npy"),
                   "--model", MODEL, "--iterations", "3", "--reference", str(blurred / "clean.png"),
                   "--output", str(blurred / "sharp.png"), "--save-steps", str(blurred / "steps.png")])
    assert status == 0
    assert cv2.imread(str(blurred / "sharp.png"), 0).shape == (96, 96)
    assert cv2.imread(str(blurred / "steps.png"), 0).shape == (96, 3 * 96)
    progress = [r.getMessage() for r in caplog.records if r.getMessage().startswith("iteration")]
    assert len(progress) == 3 and all("PSNR" in line for line in progress)


@pytest.mark.parametrize("make, option, message", [
    (lambda d: np.save(d / "bad.npy", np.ones((3, 3, 3))), "--kernel", "must be 2-D"),
    (lambda d: (d / "bad.npy").write_bytes(b"junk"), "--kernel", "not a readable NumPy kernel"),
    (lambda d: cv2.imwrite(str(d / "bad.png"), np.zeros((10, 10), np.uint8)), "--mask", "mask is 10x10"),
])
def test_bad_kernels_and_masks_exit_2_with_one_line(blurred, capsys, make, option, message):
    make(blurred)
    name = "bad.npy" if option == "--kernel" else "bad.png"
    task = "deblur" if option == "--kernel" else "inpaint"
    status = main([str(blurred / "blurred.png"), "--task", task, option, str(blurred / name), "--model", MODEL,
                   "--output", str(blurred / "out.png")])
    assert status == 2
    error = capsys.readouterr().err.strip().splitlines()
    assert len(error) == 1 and message in error[0]
    assert not (blurred / "out.png").exists()


def test_unknown_task_is_refused_by_the_parser(blurred, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main([str(blurred / "blurred.png"), "--task", "denoise", "--output", str(blurred / "out.png")])
    assert exit_info.value.code == 2 and "invalid choice: 'denoise'" in capsys.readouterr().err


def test_the_two_switches_reach_restore(blurred):
    """--extrapolate / --no-self-ensemble change the result as the API's arguments do."""
    common = [str(blurred / "blurred.png"), "--task", "deblur", "--kernel", str(blurred / "kernel.npy"), "--model", MODEL,
              "--iterations", "4", "--noise-level", "2"]
    outputs = {}
    for name, switches in {"default": [], "extrapolate": ["--extrapolate"], "plain": ["--no-self-ensemble"]}.items():
        assert main(common + switches + ["--output", str(blurred / f"{name}.png")]) == 0
        outputs[name] = cv2.imread(str(blurred / f"{name}.png"), 0)
    assert not np.array_equal(outputs["default"], outputs["extrapolate"])
    assert not np.array_equal(outputs["default"], outputs["plain"])
