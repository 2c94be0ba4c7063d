"""Fuzz: random mutations of every shipped config load (and build) or raise ConfigError, nothing else."""

import copy
import json
import pathlib
import random

from tunablecnn import ConfigError, build_model, load_pipeline
from tunablecnn.config import config_path, shipped_configs

SEED, MUTATIONS, BUILDS = 2024, 400, 8
VALUES = [
    10**9, 2**63, 10**30, 1e9, 1e300, -1, -1e9, 0, 0.5, 1.0, 2.0, 3.0, 8.0, 16.0, 65536, 7, "", "relu", "unet",
    None, True, False, [], [1, 2], [32, 32, 1], [None, None, 1.0], {}, {"type": "unet"}, {"a": {"b": 1}},
]
EXTRA_KEYS = ["filtres", "depth", "groups", "bias", "kernel_size", "sparsity_threshold", "gate_reduction", "levels"]


def _paths(node, path=()):
    """Every path below `node` (dict keys and list indices), containers included."""
    items = node.items() if isinstance(node, dict) else enumerate(node) if isinstance(node, list) else ()
    for key, child in items:
        yield path + (key,)
        yield from _paths(child, path + (key,))


def _parent(config, path):
    for key in path[:-1]:
        config = config[key]
    return config


def _mutate(config, rng):
    """Apply one random mutation in place, inside the network's sections half of the time.

    Returns `(path, text)`: the path of a value set (None for a deletion) and a description.
    """
    sections = [(key,) for key in ("model", "tunable") if isinstance(config.get(key), dict)]
    scope = rng.choice(sections) if sections and rng.random() < 0.5 else ()
    paths = [scope + p for p in _paths(_parent(config, scope + ("",)))]
    kind = rng.choice(["replace", "replace", "delete", "add"])
    if kind == "replace" and paths:
        path = rng.choice(paths)
        _parent(config, path)[path[-1]] = value = copy.deepcopy(rng.choice(VALUES))
        return path, f"{'.'.join(map(str, path))} = {value!r}"
    if kind == "delete" and paths:
        path = rng.choice([p for p in paths if isinstance(_parent(config, p), dict)])
        del _parent(config, path)[path[-1]]
        return None, f"del {'.'.join(map(str, path))}"
    objects = [scope] + [p for p in paths if isinstance(_parent(config, p)[p[-1]], dict)]
    path = rng.choice(objects) + (rng.choice(EXTRA_KEYS + ["zzz_unknown"]),)
    _parent(config, path)[path[-1]] = value = copy.deepcopy(rng.choice(VALUES))
    return path, f"add {'.'.join(map(str, path))} = {value!r}"


def _small(pipeline):
    """A model cheap enough to build in well under a second."""
    model = pipeline["model"]
    width = model["filters"] * 2 ** model.get("depth", 0)
    weights = model["levels"] * model["no_layers"] * width**2 * model["kernel_size"] ** 2
    return weights <= 1_000_000 and model["levels"] * model["no_layers"] * (model.get("depth", 0) + 1) <= 16


def test_mutated_shipped_configs_load_and_build_or_raise_config_error():
    rng = random.Random(SEED)
    originals = {name: json.loads(pathlib.Path(config_path(name)).read_text()) for name in shipped_configs()}
    crashes, outcomes = [], {"config_error": 0, "loaded": 0, "built": 0}
    for i in range(MUTATIONS):
        name = sorted(originals)[i % len(originals)]
        config = copy.deepcopy(originals[name])
        paths, steps = zip(*[_mutate(config, rng) for _ in range(rng.randint(1, 3))])
        try:
            pipeline = load_pipeline(config)
            outcomes["loaded"] += 1
            network_value_set = any(path and path[0] in ("model", "tunable") for path in paths)
            if network_value_set and outcomes["built"] < BUILDS and _small(pipeline):
                build_model(pipeline)
                outcomes["built"] += 1
        except ConfigError:
            outcomes["config_error"] += 1
        except Exception as error:  # noqa: BLE001  (anything else is the bug this test looks for)
            crashes.append(f"{name} {list(steps)}: {type(error).__name__}: {str(error)[:200]}")
    assert not crashes, "\n".join(crashes)
    assert outcomes["config_error"] > MUTATIONS // 2 and outcomes["built"] == BUILDS, outcomes
