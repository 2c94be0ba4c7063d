"""What every command shares: TensorFlow's start-up noise hidden unless --verbose, exit statuses and error
messages, cleanup of empty folders; and that no module imports a command."""

import ast
import logging
import os
import subprocess
import sys

import pytest

from tunablecnn import cli
from tunablecnn.config import ConfigError

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


def _raise(error):
    def command(*args):
        raise error

    return command


@pytest.mark.parametrize("error", [ValueError("bad --alpha"), FileNotFoundError("x.png: file not found"),
                                   ConfigError(["p.json: model.filters: -3 is less than the minimum of 1",
                                                "p.json: model.typo: unexpected key"])])
def test_user_errors_print_one_error_line_per_message_line_and_exit_two(capsys, error):
    assert cli.run(_raise(error)) == 2
    err = capsys.readouterr().err
    assert err.splitlines() == [f"error: {line}" for line in str(error).splitlines()] and "Traceback" not in err


class _Diverged(RuntimeError):
    pass


def test_a_named_failure_is_logged_with_its_label_and_status(caplog, capsys):
    assert cli.run(_raise(_Diverged("loss became nan")), failures={_Diverged: (1, "stopped")}) == 1
    assert "stopped: loss became nan" in caplog.text and capsys.readouterr().err == ""


def test_ctrl_c_exits_130_with_the_hint(capsys):
    assert cli.run(_raise(KeyboardInterrupt()), interrupted="interrupted; rerun to resume") == 130
    assert capsys.readouterr().err == "\ninterrupted; rerun to resume\n"


def test_the_command_status_is_returned_and_bugs_keep_their_traceback():
    assert cli.run(lambda a, b: None, 1, 2) == 0
    assert cli.run(lambda: 3) == 3
    with pytest.raises(KeyError):
        cli.run(_raise(KeyError("a bug")))


def _modules():
    """`{module name: (parsed source, is a package)}` of every module of the package."""
    modules = {}
    for root, _, files in os.walk(os.path.join(ROOT, "tunablecnn")):
        for name in (f for f in files if f.endswith(".py")):
            path = os.path.join(root, name)
            parts = os.path.relpath(path, ROOT)[:-3].split(os.sep)
            is_package = parts[-1] == "__init__"
            with open(path) as handle:
                modules[".".join(parts[:-1] if is_package else parts)] = (ast.parse(handle.read()), is_package)
    return modules


def _is_command(name, tree):
    """A `__main__.py`, or a module that runs as a script (`if __name__ == "__main__":`)."""
    return name.endswith(".__main__") or any(
        isinstance(node, ast.If) and ast.unparse(node.test) in ("__name__ == '__main__'", "'__main__' == __name__")
        for node in tree.body
    )


def _imports(name, tree, is_package):
    """Every module `name` imports, at the top or inside a function; `from a import b` counts a and a.b."""
    package = name if is_package else name.rpartition(".")[0]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:  # relative: level 1 is the module's own package
                parent = package.rsplit(".", node.level - 1)[0]
                base = f"{parent}.{base}" if base else parent
            yield base
            yield from (f"{base}.{alias.name}" for alias in node.names)


def test_no_module_imports_a_command():
    """Commands (`python -m tunablecnn.X`) import library modules only, and library modules never import a command."""
    modules = _modules()
    commands = {name for name, (tree, _) in modules.items() if _is_command(name, tree)}
    assert {"tunablecnn.denoise", "tunablecnn.quickstart", "tunablecnn.evaluate.__main__",
            "tunablecnn.train.__main__", "tunablecnn.export.__main__", "tunablecnn.config.__main__"} <= commands
    found = {name: sorted(set(_imports(name, *parsed)) & commands) for name, parsed in modules.items()}
    assert {name: imported for name, imported in found.items() if imported} == {}


def test_the_import_walk_sees_lazy_and_relative_imports_of_commands():
    tree = ast.parse("def f():\n    from . import denoise\n    from .train.__main__ import main\n")
    assert {"tunablecnn.denoise", "tunablecnn.train.__main__"} <= set(_imports("tunablecnn.x", tree, False))
