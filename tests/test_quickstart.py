import pytest

from tunablecnn import quickstart
from tunablecnn.train import TrainingDiverged


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


@pytest.mark.slow
def test_quickstart_denoises_the_camera_picture(tmp_path):
    before, after, alpha = quickstart.run(str(tmp_path))
    assert after > before + 4.0 and 0.0 <= alpha <= 1.0
    assert (tmp_path / "denoised.png").is_file() and (tmp_path / "exported" / "model.tflite").is_file()
