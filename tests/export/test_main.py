"""The export command's exit statuses: 0 exported, 1 self-check failed, 2 bad arguments or input."""

import json

import pytest

from tunablecnn import build_model, load_pipeline
from tunablecnn.export.__main__ import main


def _run(checkpoints, output, *extra):
    return main(["--checkpoint-directory", str(checkpoints), "--output-directory", str(output),
                 "--calibration-images", "0", *extra])


def test_export_exits_zero_and_writes_the_folder(exported_tunable, tmp_path, capsys):
    assert _run(exported_tunable.parent / "run", tmp_path / "out") == 0
    assert "exported out to" in capsys.readouterr().out
    assert json.loads((tmp_path / "out" / "metadata.json").read_text())["name"] == "out"


@pytest.mark.parametrize(("make", "extra", "message"), [
    (lambda d: d / "nowhere", [], "pipeline.json: file not found"),
    (lambda d: d, ["--pipeline-config"], "no checkpoint found"),
], ids=["missing-folder", "no-checkpoint"])
def test_missing_checkpoint_exits_two(exported_tunable, tmp_path, capsys, make, extra, message):
    extra = [*extra, str(exported_tunable / "pipeline.json")] if extra else []
    assert _run(make(tmp_path), tmp_path / "out", *extra) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err


def test_output_folder_holding_something_else_exits_two(exported_tunable, tmp_path, capsys):
    (tmp_path / "photos").mkdir()
    (tmp_path / "photos" / "a.jpg").write_bytes(b"")
    assert _run(exported_tunable.parent / "run", tmp_path / "photos") == 2
    assert "is not an exported model folder" in capsys.readouterr().err


def test_bad_arguments_exit_two(tmp_path, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["--checkpoint-directory", str(tmp_path)])
    assert exit_info.value.code == 2 and "--output-directory" in capsys.readouterr().err
    with pytest.raises(SystemExit) as exit_info:
        main(["--checkpoint-directory", str(tmp_path), "--output-directory", str(tmp_path / "o"), "--quantize", "int4"])
    assert exit_info.value.code == 2
    with pytest.raises(SystemExit) as exit_info:
        main(["--checkpoint-directory", str(tmp_path), "--output-directory", str(tmp_path / "o"), "--quantize", "int8"])
    assert exit_info.value.code == 2 and "--quantize writes quantized TFLite files" in capsys.readouterr().err


def test_failed_self_check_exits_one(exported_tunable, tmp_path, monkeypatch, caplog):
    from tunablecnn.export import exporter

    pipeline = load_pipeline(str(exported_tunable / "pipeline.json"))
    original = exporter.write_saved_model
    monkeypatch.setattr(exporter, "write_saved_model", lambda model, path: original(build_model(pipeline), path))
    assert _run(exported_tunable.parent / "run", tmp_path / "out") == 1
    # Logged (not only printed), like every failure a command names: see tunablecnn.cli.run.
    assert "verification failed: saved_model output differs from Keras" in caplog.text
    assert not (tmp_path / "out").exists()
