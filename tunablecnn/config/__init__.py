"""Pipeline configs: read, normalize, fill defaults from the schema, validate, check.

The JSON Schema in `configs/schema.json` is the single source of truth for keys, types,
allowed values and defaults. JSON Schema `default` is only an annotation, so this module
fills defaults itself by walking the schema, then validates and reports every problem at
once in one `ConfigError`, one line per problem naming the file and the JSON path.

Command line: `python -m tunablecnn.config --help` (see `__main__.py`).
"""

import copy
import difflib
import json
import math
import os
from importlib import resources

import jsonschema

SCHEMA_FILE = "schema.json"
UNET_MAX_WIDTH = 4096  # channels of a unet's coarsest scale: one 3x3 convolution there has 151M weights


class ConfigError(ValueError):
    """An invalid pipeline config; `messages` holds one line per problem."""

    def __init__(self, messages):
        self.messages = list(messages)
        super().__init__("\n".join(self.messages))


def _configs_folder():
    return resources.files("tunablecnn").joinpath("configs")


def load_schema():
    text = _configs_folder().joinpath(SCHEMA_FILE).read_text()
    return json.loads(text)


def config_path(name):
    """Path of a config shipped in `tunablecnn/configs/`, e.g. `config_path("resnet_gray.json")`."""
    return str(_configs_folder().joinpath(name))


def shipped_configs():
    """Names of the example pipelines shipped in `tunablecnn/configs/`."""
    folder = _configs_folder()
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".json") and p.name != SCHEMA_FILE)


def load_pipeline(source):
    """Return the validated pipeline with defaults filled and integers as Python ints (`8.0` -> `8`).

    `source` is a path to a JSON file or an already-parsed dict. Raises `ConfigError`
    listing every problem, each prefixed by the file name and the JSON path.
    """
    label, raw = _read(source)
    schema = load_schema()
    config = copy.deepcopy(raw)
    _normalize_case(config, schema, schema)
    problems = _fill_defaults(config, schema, schema)
    problems += _non_finite(config)
    problems += _schema_problems(config, schema)
    if not problems:
        problems = _semantic_problems(config)
    if problems:
        raise ConfigError(f"{label}: {p}" for p in problems)
    return _integers(config, schema, schema)


def _read(source):
    if isinstance(source, dict):
        return "<pipeline>", source
    path = os.fspath(source)
    label = os.path.basename(path)
    if not os.path.isfile(path):
        raise ConfigError([f"{label}: file not found: {path}"])
    try:
        with open(path, encoding="utf-8") as handle:
            data = json.load(handle)
    except json.JSONDecodeError as error:
        raise ConfigError([f"{label}: invalid JSON at line {error.lineno}, column {error.colno}: {error.msg}"]) from None
    except (OSError, UnicodeDecodeError) as error:
        raise ConfigError([f"{label}: cannot read: {error}"]) from None
    if not isinstance(data, dict):
        raise ConfigError([f"{label}: (root): expected a JSON object, got {type(data).__name__}"])
    return label, data


def _resolve(node, schema):
    while "$ref" in node:
        node = schema["$defs"][node["$ref"].split("/")[-1]] | {k: v for k, v in node.items() if k != "$ref"}
    return node


def _normalize_case(instance, node, schema):
    """Lower-case string values of enums marked `x-case-insensitive` (e.g. MINIMUM_THRESHOLD)."""
    node = _resolve(node, schema)
    if not isinstance(instance, dict):
        return
    for key, sub in node.get("properties", {}).items():
        sub = _resolve(sub, schema)
        if key not in instance:
            continue
        if sub.get("x-case-insensitive") and isinstance(instance[key], str):
            instance[key] = instance[key].lower()
        _normalize_case(instance[key], sub, schema)


def _fill_defaults(instance, node, schema, path=""):
    """Insert missing keys from schema defaults, recursively, and return type-specific-key problems.

    A property marked `x-only-for-type: T` belongs to objects whose sibling `type` is T: its
    default is filled only there, and setting it on another type is an error (it would be ignored).
    """
    node = _resolve(node, schema)
    if not isinstance(instance, dict):
        return []
    properties = node.get("properties", {})
    own_type = instance.get("type", properties.get("type", {}).get("default"))
    problems = []
    for key, sub in properties.items():
        sub = _resolve(sub, schema)
        only_for = sub.get("x-only-for-type")
        if only_for not in (None, own_type) and key in instance:
            problems.append(f"{path}{key}: applies only to {path}type '{only_for}', not '{own_type}'")
        elif key not in instance and "default" in sub and only_for in (None, own_type):
            instance[key] = copy.deepcopy(sub["default"])
        if key in instance:
            problems += _fill_defaults(instance[key], sub, schema, f"{path}{key}.")
    return problems


def _schema_problems(config, schema):
    validator = jsonschema.Draft202012Validator(schema)
    errors = sorted(validator.iter_errors(config), key=lambda e: e.json_path)
    return [line for error in errors for line in _describe(error)]


def _non_finite(instance, path="(root)"):
    """Problems for NaN and infinities: Python's json reads them, and minimum/maximum never reject NaN."""
    if isinstance(instance, float) and not math.isfinite(instance):
        return [f"{path}: {instance} is not a finite number"]
    if isinstance(instance, dict):
        return [line for key, value in instance.items() for line in _non_finite(value, _join(path, key))]
    if isinstance(instance, list):
        return [line for i, value in enumerate(instance) for line in _non_finite(value, f"{path}[{i}]")]
    return []


def _describe(error):
    path = error.json_path[2:] or "(root)"
    if error.validator == "additionalProperties":
        known = sorted(error.schema.get("properties", {}))
        extras = sorted(set(error.instance) - set(known))
        return [f"{_join(path, key)}: unknown key{_did_you_mean(key, known)}" for key in extras]
    if error.validator == "enum" and isinstance(error.instance, str):
        return [f"{path}: {error.message}{_did_you_mean(error.instance, error.validator_value)}"]
    return [f"{path}: {error.message}"]


def _join(path, key):
    return key if path == "(root)" else f"{path}.{key}"


def _did_you_mean(word, choices):
    close = difflib.get_close_matches(word, [str(c) for c in choices], n=1, cutoff=0.6)
    return f"; did you mean '{close[0]}'?" if close else ""


def _integers(instance, node, schema):
    """`instance` with Python ints where the schema wants an integer.

    JSON Schema counts a number without fraction (`8.0`, `1e3`) as an integer, but Keras and
    `range` do not: the builders must get `8`, not `8.0`. Runs after validation, so every such
    float is integral.
    """
    node = _resolve(node, schema)
    kinds = node.get("type", [])
    if isinstance(instance, float) and "integer" in (kinds if isinstance(kinds, list) else [kinds]):
        return int(instance)
    if isinstance(instance, dict):
        properties = node.get("properties", {})
        return {k: _integers(v, properties[k], schema) if k in properties else v for k, v in instance.items()}
    if isinstance(instance, list):
        prefix, items = node.get("prefixItems", []), node.get("items", {})
        return [_integers(v, prefix[i] if i < len(prefix) else items, schema) for i, v in enumerate(instance)]
    return instance


def _semantic_problems(config):
    """Rules that span several fields, which the schema cannot express."""
    model, dataset = config["model"], config["dataset"]
    problems = []
    channels = model["input_shape"][2]
    expected = {"gray": 1, "rgb": 3}[dataset["color_mode"]]
    if channels != expected:
        problems.append(
            f"dataset.color_mode: '{dataset['color_mode']}' gives {expected} channel(s) "
            f"but model.input_shape has {channels}"
        )
    if model["type"] == "unet" and model["filters"] * 2 ** model["depth"] > UNET_MAX_WIDTH:
        problems.append(
            f"model.filters: a unet doubles its {model['filters']} filters at each of its {model['depth']} "
            f"downsamplings, to {model['filters'] * 2 ** model['depth']} channels; at most {UNET_MAX_WIDTH}"
        )
    if model["stop_grads"] and model["levels"] == 1:
        problems.append("model.stop_grads: true needs model.levels > 1 (it acts between pyramid levels)")
    from_level = (config.get("tunable") or {}).get("from_level", 0)
    if from_level and (model["type"] != "unet" or from_level > model["depth"]):
        problems.append(f"tunable.from_level: {from_level} needs a unet with model.depth >= {from_level} "
                        f"(got model.type '{model['type']}'" + (f", depth {model['depth']})" if model["type"] == "unet" else ")"))
    if dataset["noise_sampling"] == "uniform" and len(dataset["additional_noise"]) != 2:
        problems.append("dataset.additional_noise: uniform noise_sampling needs exactly [min, max]")
    return problems


def schema_docs():
    """Markdown table of every key: path, type, default, description."""
    schema = load_schema()
    rows = ["| key | type | default | description |", "|---|---|---|---|"]

    def walk(node, prefix):
        node = _resolve(node, schema)
        for key, sub in node.get("properties", {}).items():
            sub = _resolve(sub, schema)
            path = f"{prefix}{key}"
            if sub.get("type") == "object":
                walk(sub, path + ".")
                continue
            kind = "/".join(map(str, sub.get("enum", []))) or sub.get("type", "")
            default = json.dumps(sub["default"]) if "default" in sub else "(required)" if key == "directory" else "-"
            rows.append(f"| `{path}` | {kind} | `{default}` | {sub.get('description', '')} |")

    walk(schema, "")
    return "\n".join(rows)
