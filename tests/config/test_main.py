import subprocess
import sys

from tunablecnn.config import config_path
from tunablecnn.config.__main__ import main


def test_validate_good_file_exits_zero(capsys):
    assert main(["validate", config_path("resnet_gray.json")]) == 0
    assert "resnet_gray.json: valid" in capsys.readouterr().out


def test_validate_reports_every_bad_file_and_exits_two(tmp_path, capsys):
    bad = tmp_path / "bad.json"
    bad.write_text('{"model": {"filters": -3}}')
    assert main(["validate", str(bad), config_path("unet_gray.json")]) == 2
    captured = capsys.readouterr()
    assert "bad.json: model.filters: -3 is less than the minimum of 1" in captured.err
    assert "unet_gray.json: valid" in captured.out


def test_show_prints_resolved_config(capsys):
    assert main(["show", config_path("unet_gray.json")]) == 0
    assert '"depth": 3' in capsys.readouterr().out


def test_docs_lists_every_model_key(capsys):
    assert main(["docs"]) == 0
    assert "| `model.stop_grads` | boolean | `false` |" in capsys.readouterr().out


def test_command_line_exit_status_without_traceback(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text('{"model": {"type": "resent"}}')
    result = subprocess.run(
        [sys.executable, "-m", "tunablecnn.config", "validate", str(bad)], capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 2
    assert "bad.json: model.type: 'resent' is not one of" in result.stderr
    assert "did you mean 'resnet'?" in result.stderr
    assert "Traceback" not in result.stderr


def test_readme_key_table_is_the_schema_docs_output():
    """The README's key reference is `python -m tunablecnn.config docs`: a schema change updates it."""
    import os

    from tunablecnn.config import schema_docs

    readme = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))), "README.md")
    with open(readme) as handle:
        text = handle.read()
    stale = [row.split("|")[1].strip() for row in schema_docs().splitlines() if row.startswith("| `") and row not in text]
    assert not stale, f"README.md key table differs from `python -m tunablecnn.config docs` for {stale}"
