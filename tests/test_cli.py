"""What every command shares: TensorFlow's start-up noise hidden unless --verbose, and cleanup of empty folders."""

import logging
import os
import subprocess
import sys

import pytest

from tunablecnn import cli

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
NOISE = ("absl::InitializeLog", "oneDNN", "cudart_stub", "cpu_feature_guard", "cuInit")
ONEDNN = ("I0000 00:00:1796236656.361284    6530 port.cc:153] oneDNN custom operations are on. You may see slightly "
          "different numerical results due to floating-point round-off errors.\n")
CUINIT = ("E0000 00:00:1796236664.811069    6530 cuda_platform.cc:52] failed call to cuInit: INTERNAL: CUDA error: "
          "Failed call to cuInit: UNKNOWN ERROR (303)\n")
OTHER_ERROR = "E0000 00:00:1796236664.811069    6530 dso_loader.cc:52] something that matters\n"


def _start_validate(*extra):
    env = {key: value for key, value in os.environ.items() if key != "TF_CPP_MIN_LOG_LEVEL"}
    command = [sys.executable, "-m", "tunablecnn.config", "validate", "tunablecnn/configs/quickstart.json", *extra]
    return subprocess.Popen(command, cwd=ROOT, env={**env, "PYTHONPATH": ROOT}, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)


def _stderr(process):
    out, err = process.communicate(timeout=300)
    assert process.returncode == 0 and "quickstart.json: valid" in out, err
    return err


def test_commands_are_quiet_by_default_and_verbose_shows_tensorflow_start_up():
    processes = _start_validate(), _start_validate("--verbose")  # side by side: each imports TensorFlow
    quiet, verbose = (_stderr(p) for p in processes)
    assert [word for word in NOISE if word in quiet] == [], quiet
    assert len(verbose.splitlines()) > len(quiet.splitlines())


@pytest.mark.parametrize("line, level, no_cuda_driver, noise", [
    (cli._ABSL_BANNER + "\n", 2, True, True),
    (ONEDNN, 2, True, True),
    (ONEDNN, 0, True, False),
    (CUINIT, 2, True, True),     # no CUDA driver: the error only says that there is no GPU
    (CUINIT, 2, False, False),   # a driver that fails to start matters
    (OTHER_ERROR, 2, True, False),
    (OTHER_ERROR, 3, True, True),
    ("/x/keras/src/ops.py:12: UserWarning: something\n", 3, True, False),  # not TensorFlow's C++ log
])
def test_start_up_noise_is_tensorflow_logging_below_the_level(line, level, no_cuda_driver, noise):
    assert cli.is_startup_noise(line, level, no_cuda_driver) is noise


def test_filtered_stderr_keeps_what_is_not_noise(capfd):
    with cli.filtered_stderr(lambda line: "noise" in line):
        os.write(2, b"noise from C++\nan error that matters\n")
    assert capfd.readouterr().err == "an error that matters\n"


@pytest.fixture
def _restore_log_levels():
    names = ("tunablecnn", "tensorflow", "absl")
    levels = {name: logging.getLogger(name).level for name in names}
    yield
    for name, level in levels.items():
        logging.getLogger(name).setLevel(level)


@pytest.mark.usefixtures("_restore_log_levels")
@pytest.mark.parametrize("verbose", [False, True])
def test_tensorflow_python_log_lines_only_with_verbose(caplog, verbose):
    caplog.set_level(logging.INFO)  # the root level a command has (pytest's handlers make basicConfig a no-op)
    cli.setup_logging(verbose)
    logging.getLogger("tensorflow").warning("Function `<lambda>` contains input name(s) resource")
    logging.getLogger("tensorflow").info("Assets written to: x")
    assert ("Function" in caplog.text, "Assets" in caplog.text) == (verbose, verbose)


def test_a_failed_block_removes_only_a_new_directory_without_data(tmp_path):
    def fail_in(directory, files):
        with pytest.raises(KeyboardInterrupt), cli.removed_if_left_empty(directory):
            os.makedirs(os.path.join(directory, "logs"), exist_ok=True)
            for name, text in files.items():
                (directory / name).write_text(text)
            raise KeyboardInterrupt

    fail_in(tmp_path / "empty", {"train.log": ""})
    fail_in(tmp_path / "data", {"pipeline.json": "{}"})
    (tmp_path / "old").mkdir()
    fail_in(tmp_path / "old", {})
    assert sorted(os.listdir(tmp_path)) == ["data", "old"]
