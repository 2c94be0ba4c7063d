from tunablecnn import load_pipeline
from tunablecnn.config import config_path
from tunablecnn.summary import main, model_cost


def test_default_summary_prints_parameters(capsys):
    assert main([]) == 0
    out = capsys.readouterr().out
    assert "model: resnet_x1" in out and "parameters: 83,008" in out and "scale-equivariant" in out


def test_flops_per_pixel_of_a_plain_resnet():
    pipeline = load_pipeline({"model": {"filters": 4, "no_layers": 1, "kernel_size": 3}})
    # stem 3*3*1*4, block 3*3*4*4 and 1*1*4*4, head 3*3*4*1: multiply-adds per pixel, 2 FLOPs each.
    assert model_cost(pipeline)["flops_per_pixel"] == 2 * (36 + 144 + 16 + 36)


def test_bad_config_exits_two(tmp_path, capsys):
    bad = tmp_path / "bad.json"
    bad.write_text('{"model": {"levels": 0}}')
    assert main(["--pipeline-config", str(bad)]) == 2
    assert "bad.json: model.levels: 0 is less than the minimum of 1" in capsys.readouterr().err
