"""The package installs the way the README says: every subpackage and the bundled models are in the wheel."""

import ast
import functools
import importlib.metadata
import os
import re
import shutil
import subprocess
import sys
import tomllib
import zipfile

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _pyproject():
    with open(os.path.join(ROOT, "pyproject.toml"), "rb") as handle:
        return tomllib.load(handle)


def test_package_list_names_every_package_folder():
    listed = set(_pyproject()["tool"]["setuptools"]["packages"])
    folders = {
        "tunablecnn" + root[len(os.path.join(ROOT, "tunablecnn")):].replace(os.sep, ".")
        for root, _, files in os.walk(os.path.join(ROOT, "tunablecnn"))
        if "__init__.py" in files
    }
    assert folders | {"tunablecnn.zoo"} == listed


# Imported only where a missing package gives a message saying what to install.
OPTIONAL_IMPORTS = {"bm3d",  # evaluate --baselines bm3d: "bm3d is not installed (pip install bm3d ...)"
                    "gradio"}  # python -m tunablecnn.app (the app extra): 'pip install ".[app]"'


def _requirement_names(requirements):
    return {re.match(r"[A-Za-z0-9_.-]+", r).group().lower().replace("_", "-") for r in requirements}


@functools.cache
def _distributions(module):
    return {d.lower().replace("_", "-") for d in _packages_distributions().get(module, [module])}


@functools.cache
def _packages_distributions():
    return importlib.metadata.packages_distributions()


def _python_sources(folder):
    for root, _, files in os.walk(folder):
        for name in sorted(f for f in files if f.endswith(".py")):
            with open(os.path.join(root, name)) as handle:
                yield handle.read()


def _imported_modules(folder):
    for node in (n for source in _python_sources(folder) for n in ast.walk(ast.parse(source))):
        if isinstance(node, ast.Import):
            yield from (alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0:
            yield node.module.split(".")[0]


def test_everything_the_package_imports_is_a_core_dependency():
    """`pip install .` must be enough for every command (the quickstart needed ai-edge-litert)."""
    core = _requirement_names(_pyproject()["project"]["dependencies"])
    third_party = set(_imported_modules(os.path.join(ROOT, "tunablecnn"))) - set(sys.stdlib_module_names)
    missing = {m for m in third_party - {"tunablecnn"} - OPTIONAL_IMPORTS if not _distributions(m) & core}
    assert missing == set()


def test_the_test_extra_installs_what_tests_would_otherwise_skip():
    """CI installs `.[test,app]`: a test behind `pytest.importorskip` must not be skipped there."""
    project = _pyproject()["project"]
    extras = project["optional-dependencies"]
    installed = _requirement_names(project["dependencies"] + extras["test"] + extras["app"])
    pattern = re.compile(r"importorskip\(\s*[\"']([\w.]+)")
    skipped = {m for source in _python_sources(os.path.join(ROOT, "tests")) for m in pattern.findall(source)}
    assert {m for m in skipped if not _distributions(m.split(".")[0]) & installed} == set()


@pytest.mark.skipif(shutil.which("bash") is None, reason="needs bash")
def test_ci_runs_the_two_readme_commands_each_in_a_fresh_virtual_environment():
    ci = ["bash", os.path.join(ROOT, ".ci", "run"), "--list"]
    result = subprocess.run(ci, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    commands = result.stdout.splitlines()
    with open(os.path.join(ROOT, "README.md")) as handle:
        readme = handle.read()
    assert len(commands) == 2 and all(command in readme for command in commands)
    assert "tunablecnn.quickstart" in commands[0] and "pytest" in commands[1]
    assert '".[test,app]"' in commands[1]  # the page's browser test needs Gradio (app) and selenium (test)
    assert all(command.startswith("python3 -m venv .venv && . .venv/bin/activate && ") for command in commands)


@pytest.mark.slow
def test_wheel_resolves_bundled_models_from_another_directory(tmp_path):
    """Build a wheel, unpack it alone on sys.path, and load every bundled model by name."""
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-w", str(tmp_path), ROOT],
                   check=True, capture_output=True, timeout=600)
    (wheel,) = [p for p in os.listdir(tmp_path) if p.endswith(".whl")]
    with zipfile.ZipFile(tmp_path / wheel) as archive:
        names = archive.namelist()
        archive.extractall(tmp_path / "site")
    assert "tunablecnn/configs/schema.json" in names
    script = (
        "import numpy as np, tunablecnn; names = tunablecnn.list_models(); print(names);"
        "assert tunablecnn.__file__.startswith(%r), tunablecnn.__file__;"
        "[tunablecnn.load_model(n)(np.zeros((16, 16), np.uint8)) for n in names if tunablecnn.load_model(n).channels == 1]"
    ) % str(tmp_path / "site")
    result = subprocess.run([sys.executable, "-c", script], cwd=tmp_path, capture_output=True, text=True, timeout=600,
                            env={**os.environ, "PYTHONPATH": str(tmp_path / "site")})
    assert result.returncode == 0, result.stderr[-2000:]
    bundled = sorted(n for n in os.listdir(os.path.join(ROOT, "pretrained")) if os.path.isdir(os.path.join(ROOT, "pretrained", n)))
    assert eval(result.stdout.strip().splitlines()[-1]) == [n for n in bundled if n != "__pycache__"]
