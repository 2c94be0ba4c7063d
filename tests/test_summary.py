import json

from tunablecnn.summary import main


def test_default_summary_prints_parameters(capsys):
    assert main([]) == 0
    out = capsys.readouterr().out
    assert "model: resnet_x1" in out and "parameters: 83,008" in out and "scale-equivariant" in out


def test_methods_table_has_a_row_per_registered_method(tmp_path, capsys):
    config = tmp_path / "tiny.json"
    config.write_text(json.dumps({"model": {"filters": 4, "no_layers": 1}}))
    assert main(["--pipeline-config", str(config), "--methods"]) == 0
    rows = [line.split("|")[1].strip() for line in capsys.readouterr().out.splitlines() if line.startswith("| ")]
    assert rows == ["model", "base", "adafm", "cfsnet", "dni", "dynamic", "ftn"]


def test_bad_config_exits_two(tmp_path, capsys):
    bad = tmp_path / "bad.json"
    bad.write_text('{"model": {"levels": 0}}')
    assert main(["--pipeline-config", str(bad)]) == 2
    assert "bad.json: model.levels: 0 is less than the minimum of 1" in capsys.readouterr().err


def test_filters_of_an_exported_model_are_drawn(exported_tunable, tmp_path, capsys):
    out = tmp_path / "filters.png"
    assert main(["--weights", str(exported_tunable), "--filters", str(out)]) == 0
    assert out.stat().st_size > 1000 and f"wrote {out}" in capsys.readouterr().out


def test_filters_without_weights_exit_two(capsys):
    assert main(["--filters", "x.png"]) == 2
    assert "--filters needs --weights" in capsys.readouterr().err
