"""`python -m tunablecnn.app`: its help, and one clear line when Gradio is missing (the page itself: test_page.py)."""

import subprocess
import sys

import pytest

from tunablecnn.app.__main__ import INSTALL_HINT, main


def test_help_explains_host_port_and_the_install_line(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["--help"])
    shown = capsys.readouterr().out
    assert exit_info.value.code == 0
    for words in ("--host", "default 127.0.0.1", "--port", "--model", 'pip install ".[app]"'):
        assert words in shown


def test_without_gradio_it_exits_two_with_the_install_line(monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "gradio", None)  # as if it were not installed
    assert main(["--port", "7861"]) == 2
    assert capsys.readouterr().err.splitlines() == [INSTALL_HINT]
    assert 'pip install ".[app]"' in INSTALL_HINT


def test_import_tunablecnn_and_the_app_library_load_no_gradio():
    script = "import sys, tunablecnn, tunablecnn.app; print('gradio' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=300)
    assert result.returncode == 0 and result.stdout.split()[-1] == "False", result.stderr[-2000:]



def test_the_tflite_page_offers_only_models_shipped_with_tflite_files():
    from tunablecnn.app.__main__ import _bundled
    from tunablecnn.model_folder import list_models, read_metadata, resolve

    lite = _bundled("tflite")
    assert lite and all("tflite" in read_metadata(resolve(name))["files"] for name in lite)
    assert _bundled("saved_model") == list_models()
