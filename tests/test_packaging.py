"""The package installs the way the README says: every subpackage and the bundled models are in the wheel."""

import os
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
