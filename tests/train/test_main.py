"""The training command: exit statuses, messages, and surviving SIGKILL."""

import os
import re
import signal
import subprocess
import sys
import time

import pytest

from tests.data.helpers import undecodable_folder
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
    assert not os.path.exists(tmp_path / "run")  # the failed run removes the (empty) folder it created


def test_diverging_run_exits_one(tiny_pipeline, tmp_path, capsys):
    config = write_json(tmp_path / "p.json", tiny_pipeline(loss={"mae_multiplier": 1e39}))
    assert main(["--pipeline-config", str(config), "--model-directory", str(tmp_path / "run")]) == 1
    assert "loss became inf at global step 1" in capsys.readouterr().err
    assert "loss became" in (tmp_path / "run" / "train.log").read_text()


def _command(config, directory):
    return [sys.executable, "-m", "tunablecnn.train", "--pipeline-config", str(config), "--model-directory", str(directory)]


# TensorFlow's and OpenCV's own C++ log lines (quieted by tunablecnn.cli) are not what these tests are about.
_NATIVE_LOG = re.compile(r"^([IWEF]\d{4} \d\d:\d\d:|WARNING: All log messages before absl|To enable the following"
                         r"|\[ ?WARN:)")


def _own_lines(stderr):
    return [line for line in stderr.splitlines() if line.strip() and not _NATIVE_LOG.match(line)]


def test_a_folder_where_nothing_decodes_exits_two_at_once_with_one_line(tiny_pipeline, tmp_path):
    """A truncated PNG, a text file and an empty file: this hung, or died with pages of tracebacks."""
    folder = undecodable_folder(tmp_path / "bad")
    config = write_json(tmp_path / "p.json", tiny_pipeline(dataset={"directory": [str(folder)]}))
    run = subprocess.run(_command(config, tmp_path / "run"), env={**os.environ, "PYTHONPATH": ROOT},
                         capture_output=True, text=True, timeout=60)
    assert run.returncode == 2, run.stderr[-3000:]
    assert _own_lines(run.stderr) == [
        f"error: dataset.directory: no image in {folder} decodes; 3 file(s): cut.png (does not decode: truncated or "
        "damaged), empty.png (empty file), notes.txt (not an image)"
    ]
    assert not os.path.exists(tmp_path / "run")


_BREAK_AFTER_CHECK = """
import runpy
import tunablecnn.data.pipeline as pipeline

real, files = pipeline.dataset_files, []

def break_after_check(config):  # the files pass the up-front checks, then stop decoding (as if changed mid-run)
    if not files:
        files.append(real(config))
        for path in files[0].train:
            with open(path, "r+b") as handle:
                handle.truncate(60)
    return files[0]

pipeline.dataset_files = break_after_check
runpy.run_module("tunablecnn.train", run_name="__main__", alter_sys=True)
"""


def test_data_that_stops_decoding_mid_run_exits_two_with_one_line(tiny_pipeline, tmp_path):
    config = write_json(tmp_path / "p.json", tiny_pipeline())
    command = [sys.executable, "-c", _BREAK_AFTER_CHECK, "--pipeline-config", str(config), "--model-directory",
               str(tmp_path / "run")]
    # The command quiets TensorFlow's C++ warnings (tunablecnn.cli); `python -c` does not, so ask for it here.
    env = {**os.environ, "PYTHONPATH": ROOT, "TF_CPP_MIN_LOG_LEVEL": "2"}
    run = subprocess.run(command, env=env, capture_output=True, text=True, timeout=120)
    assert run.returncode == 2, run.stderr[-3000:]
    assert "Traceback" not in run.stderr
    assert _own_lines(run.stderr)[-1] == (f"error: dataset.directory {tmp_path / 'images'}: none of the 5 image(s) "
                                          "decodes any more (changed since training started?)")


@pytest.mark.slow  # 45 s; test_ctrl_c_* and the trainer's resume tests cover the checkpoint by default
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
    # A shell that starts a job in the background without job control (CI scripts, `cmd &`)
    # ignores SIGINT for it, and children inherit that: give the run the default, as a terminal would.
    process = subprocess.Popen(_command(config, directory), env={**os.environ, "PYTHONPATH": ROOT},
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                               preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
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
