"""The training command: exit statuses, messages, and surviving SIGKILL."""

import os
import signal
import subprocess
import sys
import time

from tests.train.conftest import write_json
from tunablecnn.train.__main__ import main

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def test_invalid_config_exits_two(tmp_path, capsys):
    config = write_json(tmp_path / "bad.json", {"model": {"filters": 0}})
    assert main(["--pipeline-config", str(config), "--model-directory", str(tmp_path / "run")]) == 2
    assert "bad.json: model.filters: 0 is less than the minimum of 1" in capsys.readouterr().err
    assert not os.path.exists(tmp_path / "run")


def test_missing_data_directory_exits_two_before_training(tmp_path, capsys):
    config = write_json(tmp_path / "p.json", {"dataset": {"directory": [str(tmp_path / "nowhere")]}})
    assert main(["--pipeline-config", str(config), "--model-directory", str(tmp_path / "run")]) == 2
    assert "nowhere" in capsys.readouterr().err
    assert not os.path.exists(tmp_path / "run" / "checkpoints")


def test_diverging_run_exits_one(tiny_pipeline, tmp_path, capsys):
    config = write_json(tmp_path / "p.json", tiny_pipeline(loss={"mae_multiplier": 1e39}))
    assert main(["--pipeline-config", str(config), "--model-directory", str(tmp_path / "run")]) == 1
    assert "loss became inf at global step 1" in capsys.readouterr().err
    assert "loss became" in (tmp_path / "run" / "train.log").read_text()


def _command(config, directory):
    return [sys.executable, "-m", "tunablecnn.train", "--pipeline-config", str(config), "--model-directory", str(directory)]


def test_sigkill_then_rerun_resumes_from_checkpoint(tiny_pipeline, tmp_path):
    config = write_json(tmp_path / "p.json", tiny_pipeline(train={"epochs": 4, "steps_per_epoch": 40, "checkpoint_every": 10}))
    directory = tmp_path / "run"
    env = {**os.environ, "PYTHONPATH": ROOT}
    process = subprocess.Popen(_command(config, directory), env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    checkpoints = directory / "checkpoints"
    deadline = time.time() + 240
    while time.time() < deadline and not (checkpoints.is_dir() and [n for n in os.listdir(checkpoints) if not n.endswith(".partial")]):
        time.sleep(0.2)
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=30)
    saved = sorted(n for n in os.listdir(checkpoints) if not n.endswith(".partial"))
    assert saved and saved[-1] != "ckpt-000000160", "killed too late to test resuming"
    rerun = subprocess.run(_command(config, directory), env=env, capture_output=True, text=True, timeout=600)
    assert rerun.returncode == 0, rerun.stderr[-3000:]
    assert "resuming from" in rerun.stderr
    assert sorted(os.listdir(checkpoints))[-1] == "ckpt-000000160"


def test_ctrl_c_exits_130_promptly_and_keeps_the_checkpoints(tiny_pipeline, tmp_path):
    """SIGINT mid-run: status 130 with the resume hint, no hang in tf.data's threads at exit."""
    config = write_json(tmp_path / "p.json", tiny_pipeline(train={"epochs": 50, "steps_per_epoch": 40, "checkpoint_every": 10}))
    directory = tmp_path / "run"
    process = subprocess.Popen(_command(config, directory), env={**os.environ, "PYTHONPATH": ROOT},
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    checkpoints = directory / "checkpoints"
    deadline = time.time() + 240
    while time.time() < deadline and not (checkpoints.is_dir() and [n for n in os.listdir(checkpoints) if not n.endswith(".partial")]):
        time.sleep(0.2)
    process.send_signal(signal.SIGINT)
    try:
        _, stderr = process.communicate(timeout=120)
    except subprocess.TimeoutExpired:
        process.kill()
        raise AssertionError("training did not exit within 120 s of SIGINT")
    assert process.returncode == 130, stderr[-2000:]
    assert "rerun the same command to resume" in stderr
    assert [n for n in os.listdir(checkpoints) if not n.endswith(".partial")]
