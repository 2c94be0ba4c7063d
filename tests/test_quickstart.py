import os

import numpy as np
import pytest

from tunablecnn import quickstart
from tunablecnn.config import config_path, load_pipeline
from tunablecnn.data import ImageError, list_images, read_image
from tunablecnn.train import TrainingDiverged
from tunablecnn.train.stages import plan_stages


def _raise(error):
    def run(directory):
        raise error

    return run


@pytest.mark.parametrize("error, status", [(TrainingDiverged("loss is NaN at step 3"), 1), (KeyboardInterrupt(), 130),
                                           (PermissionError("runs/quickstart: permission denied"), 2)])
def test_failures_exit_with_a_status_and_a_message(monkeypatch, capsys, caplog, error, status):
    monkeypatch.setattr(quickstart, "run", _raise(error))
    assert quickstart.main(["--directory", "unused"]) == status
    output = capsys.readouterr().err + caplog.text
    assert {1: "NaN at step 3", 130: "rerun the same command", 2: "permission denied"}[status] in output


def test_scored_picture_is_not_a_training_image():
    pipeline = load_pipeline(config_path("quickstart.json"))
    path, clean = quickstart.scored_image()
    training = list_images(pipeline["dataset"]["directory"])
    assert os.path.realpath(path) not in {os.path.realpath(p) for p in training}
    for other in training:  # nor a copy of one under another name
        try:
            image = read_image(other, 1).pixels[..., 0]
        except ImageError:
            continue
        assert image.shape != clean.shape or not np.allclose(image * 255, clean, atol=1)


def test_output_names_the_scored_picture(monkeypatch, capsys):
    monkeypatch.setattr(quickstart, "run", lambda directory: (20.2, 29.5, 0.3))
    assert quickstart.main(["--directory", "unused"]) == 0
    assert "grace_hopper.jpg (matplotlib's sample photo, not a training image), sigma 25" in capsys.readouterr().out


def test_every_step_limit_in_the_config_shortens_its_stage():
    pipeline = load_pipeline(config_path("quickstart.json"))
    for stage in plan_stages(pipeline):  # a limit at or above epochs * steps_per_epoch does nothing
        assert stage.total_steps < stage.epochs * pipeline["train"]["steps_per_epoch"], stage


def test_a_failed_run_removes_the_empty_directory_it_created(monkeypatch, tmp_path):
    def run(directory):
        os.makedirs(os.path.join(directory, "logs"))
        raise PermissionError(f"{directory}: permission denied")

    monkeypatch.setattr(quickstart, "run", run)
    assert quickstart.main(["--directory", str(tmp_path / "new")]) == 2
    assert not os.path.exists(tmp_path / "new")  # what is kept and when: tests/test_cli.py


@pytest.mark.slow
def test_quickstart_denoises_a_picture_it_did_not_train_on(tmp_path):
    before, after, alpha = quickstart.run(str(tmp_path))
    assert after > before + 4.0 and 0.0 <= alpha <= 1.0
    assert (tmp_path / "denoised.png").is_file() and (tmp_path / "exported" / "model.tflite").is_file()
