import json

import jsonschema
import pytest

from tunablecnn import ConfigError, build_model, load_pipeline
from tunablecnn.config import config_path, load_schema, shipped_configs


LEVELS = {"start": {"additional_noise": 15}, "end": {"additional_noise": 50}}


def _write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text if isinstance(text, str) else json.dumps(text))
    return path


@pytest.mark.parametrize("name", shipped_configs())
def test_every_shipped_config_validates(name):
    pipeline = load_pipeline(config_path(name))
    assert pipeline["model"]["type"] in ("resnet", "sparse_resnet", "gatenet", "unet")


@pytest.mark.parametrize("model_type", ["resnet", "sparse_resnet", "gatenet", "unet"])
def test_defaults_are_filled_and_themselves_valid(model_type):
    pipeline = load_pipeline({"model": {"type": model_type}})
    assert pipeline["model"]["filters"] == 32 and pipeline["train"]["optimizer"]["learning_rate"] == 0.001
    jsonschema.Draft202012Validator(load_schema()).validate(pipeline)


def test_type_specific_defaults_only_for_their_type():
    assert load_pipeline({"model": {"type": "unet"}})["model"]["depth"] == 3
    assert "depth" not in load_pipeline({"model": {"type": "resnet"}})["model"]
    assert load_pipeline({"model": {"type": "sparse_resnet"}})["model"]["sparsity_threshold"] == 1.0


def test_empty_pipeline_is_the_default_model():
    assert load_pipeline({})["model"]["type"] == "resnet"


def test_input_dict_is_not_modified():
    raw = {"model": {"type": "RESNET"}}
    load_pipeline(raw)
    assert raw == {"model": {"type": "RESNET"}}


def test_case_insensitive_enums():
    pipeline = load_pipeline({"model": {}, "train": {"prune": {"strategy": "MINIMUM_THRESHOLD"}}})
    assert pipeline["train"]["prune"]["strategy"] == "minimum_threshold"


BAD_CONFIGS = [
    ("wrong type", {"model": {"filters": "many"}}, "bad.json: model.filters: 'many' is not of type 'integer'"),
    ("out of range", {"model": {"filters": -3}}, "bad.json: model.filters: -3 is less than the minimum of 1"),
    ("unknown key", {"model": {"filtres": 3}}, "bad.json: model.filtres: unknown key; did you mean 'filters'?"),
    ("unknown section", {"model": {}, "trian": {}}, "bad.json: trian: unknown key; did you mean 'train'?"),
    ("bad enum", {"model": {"type": "resent"}}, "bad.json: model.type: 'resent' is not one of"),
    ("nested enum", {"model": {}, "train": {"prune": {"strategy": "threshold"}}}, "bad.json: train.prune.strategy:"),
    ("array item", {"model": {"input_shape": [None, None, 2]}}, "bad.json: model.input_shape[2]: 2 is not one of [1, 3]"),
    ("type-specific key", {"model": {"depth": 2}}, "bad.json: model.depth: applies only to model.type 'unet'"),
    ("section not an object", {"model": 3}, "bad.json: model: 3 is not of type 'object'"),
    ("channels vs colour",
     {"model": {"input_shape": [None, None, 3]}}, "bad.json: dataset.color_mode: 'gray' gives 1 channel(s)"),
    ("stop_grads single scale", {"model": {"stop_grads": True}}, "bad.json: model.stop_grads: true needs model.levels > 1"),
    ("uniform noise", {"model": {}, "dataset": {"noise_sampling": "uniform", "additional_noise": [5]}},
     "bad.json: dataset.additional_noise: uniform noise_sampling needs exactly [min, max]"),
    ("huge filters", {"model": {"filters": 1e9}},
     "bad.json: model.filters: 1000000000.0 is greater than the maximum of 1024"),
    ("huge no_layers", {"model": {"no_layers": 10**9}},
     "bad.json: model.no_layers: 1000000000 is greater than the maximum"),
    ("huge input shape", {"model": {"input_shape": [1e9, None, 1]}},
     "bad.json: model.input_shape[0]: 1000000000.0 is greater than the maximum of 65536"),
    ("huge gate reduction", {"model": {"type": "gatenet", "gate_reduction": 1e9}},
     "bad.json: model.gate_reduction: 1000000000.0 is greater than the maximum"),
    ("unet too wide", {"model": {"type": "unet", "filters": 512, "depth": 4}},
     "bad.json: model.filters: a unet doubles its 512 filters at each of its 4 downsamplings, to 8192 channels; "
     "at most 4096"),
    ("NaN", {"model": {"output_multiplier": float("nan")}},
     "bad.json: model.output_multiplier: nan is not a finite number"),
    ("infinity", {"model": {}, "loss": {"hinge": float("inf")}}, "bad.json: loss.hinge: inf is not a finite number"),
]


@pytest.mark.parametrize(("case", "config", "expected"), BAD_CONFIGS, ids=[c[0] for c in BAD_CONFIGS])
def test_bad_config_is_rejected_with_file_and_path(case, config, expected, tmp_path):
    with pytest.raises(ConfigError) as error:
        load_pipeline(_write(tmp_path, "bad.json", config))
    assert any(line.startswith(expected) for line in error.value.messages), error.value.messages


def test_all_problems_reported_at_once(tmp_path):
    config = {"model": {"filters": 0, "no_layers": "x", "colour": 1}, "loss": {"hinge": -1}}
    with pytest.raises(ConfigError) as error:
        load_pipeline(_write(tmp_path, "many.json", config))
    paths = [line.split(": ")[1] for line in error.value.messages]
    assert paths == ["loss.hinge", "model.colour", "model.filters", "model.no_layers"]


def test_missing_file():
    with pytest.raises(ConfigError, match=r"nope.json: file not found: .*nope.json"):
        load_pipeline("/does/not/exist/nope.json")


def test_invalid_json_names_line_and_column(tmp_path):
    path = _write(tmp_path, "broken.json", '{\n  "model": {\n    "filters": 3,\n  }\n}')
    with pytest.raises(ConfigError, match=r"broken.json: invalid JSON at line 4, column 3: "):
        load_pipeline(path)


def test_json_root_must_be_an_object(tmp_path):
    with pytest.raises(ConfigError, match=r"list.json: \(root\): expected a JSON object, got list"):
        load_pipeline(_write(tmp_path, "list.json", "[1, 2]"))


def test_integral_floats_reach_the_builders_as_ints():
    """JSON Schema takes 8.0 as an integer; Keras does not, so load_pipeline converts it."""
    pipeline = load_pipeline({
        "model": {"type": "unet", "filters": 8.0, "no_layers": 1.0, "depth": 2.0, "input_shape": [32.0, 48.0, 1.0]},
        "tunable": {"type": "adafm", "kernel_size": 3.0, "tune_epochs": 2.0, **LEVELS},
    })
    model, tunable = pipeline["model"], pipeline["tunable"]
    values = [model[k] for k in ("filters", "no_layers", "depth")] + model["input_shape"] + [tunable["kernel_size"]]
    assert values == [8, 1, 2, 32, 48, 1, 3] and all(type(v) is int for v in values)
    assert type(tunable["tune_epochs"]) is int and type(model["output_multiplier"]) is float
    assert tuple(build_model(pipeline).input["image"].shape) == (None, 32, 48, 1)
