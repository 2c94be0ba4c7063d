"""Crash-safe checkpoints: model weights, optimizer state and training position.

Each checkpoint is a folder `ckpt-<global step>` holding `model.weights.h5`,
`optimizer.npz` and `state.json`, written under a temporary name and renamed into place only
when complete, so a kill at any moment leaves the previous checkpoint as the latest valid one;
leftovers of an interrupted write are removed on the next save.
A checkpoint damaged afterwards (say, truncated while copied between machines) is renamed
`damaged-ckpt-<step>` when a resume finds it, and the newest readable one is used instead.

The weights are kept exactly. The optimizer's moment estimates (Adam's momentum and velocity,
two thirds of a float32 checkpoint) are kept in float16, each tensor scaled by its largest
magnitude, velocities as their square root (which spans half the decades): a checkpoint is two
thirds of its float32 size, each moment within about 1e-3 of the tensor's largest entry (entries
far below it round to float16 subnormals or zero, which Adam's epsilon absorbs). A tensor holding
NaN or inf is kept exactly. Files with float32 moments (written before 2026-12-04) still load;
older code cannot read the new files.
"""

import json
import logging
import os
import shutil
import zipfile

import numpy as np
import tensorflow as tf

from tunablecnn.config import ConfigError
from tunablecnn.model_folder import FILES, is_model_folder

logger = logging.getLogger(__name__)

WEIGHTS_FILE = "model.weights.h5"  # the same name as in an exported model folder
_PREFIX = "ckpt-"
_PARTIAL = ".partial"
_DAMAGED = "damaged-"
# What unreadable files raise: h5py (truncated, not HDF5), np.load, json. A ValueError from a
# weights file that does not fit the network is not damage, and is left to stop the run.
_READ_ERRORS = (OSError, EOFError, zipfile.BadZipFile, json.JSONDecodeError)


class CheckpointStore:
    def __init__(self, directory, keep):
        self.directory = directory
        self.keep = keep
        os.makedirs(directory, exist_ok=True)

    def save(self, model, optimizer, state):
        """Write a checkpoint for `state["global_step"]` atomically and drop the oldest beyond `keep`."""
        final = os.path.join(self.directory, f"{_PREFIX}{state['global_step']:09d}")
        partial = final + _PARTIAL
        shutil.rmtree(partial, ignore_errors=True)
        os.makedirs(partial)
        model.save_weights(os.path.join(partial, WEIGHTS_FILE))
        np.savez(os.path.join(partial, "optimizer.npz"), **_pack_optimizer(optimizer.variables))
        with open(os.path.join(partial, "state.json"), "w") as handle:
            json.dump(state, handle, indent=2)
        shutil.rmtree(final, ignore_errors=True)
        os.replace(partial, final)
        self._prune_old()
        return final

    def latest(self):
        """Path of the newest complete checkpoint, or None."""
        complete = self._complete()
        return complete[-1] if complete else None

    def restore_newest(self, model, set_aside=True):
        """Load the newest checkpoint whose files read into `model`; return (path, state), or None if there is none.

        Newer damaged ones are renamed `damaged-ckpt-...` (when `set_aside`) with a warning naming
        each. Raises `ConfigError` if checkpoints exist but none reads: nothing is renamed then.
        """
        damaged = []
        for path in reversed(self._complete()):
            try:
                state = self.read_state(path)
                self.restore(path, model)
                _read_optimizer_file(path)
            except _READ_ERRORS as error:
                damaged.append((path, error))
                continue
            for bad, error in damaged:
                aside = self._set_aside(bad) if set_aside else bad
                logger.warning("checkpoint %s is damaged (%s); set aside as %s, resuming from %s instead",
                               bad, error, aside, path)
            return path, state
        if damaged:
            raise ConfigError([f"{self.directory}: no checkpoint is readable: "
                               + "; ".join(f"{os.path.basename(p)} ({e})" for p, e in damaged)
                               + "; move them away to train from scratch"])
        return None

    @staticmethod
    def latest_in(directory):
        """Newest complete checkpoint in `directory` without creating anything; None if there is none."""
        store = CheckpointStore.__new__(CheckpointStore)
        store.directory = directory
        return store.latest()

    @staticmethod
    def read_state(path):
        with open(os.path.join(path, "state.json")) as handle:
            return json.load(handle)

    @staticmethod
    def restore(path, model, optimizer=None):
        """Load weights (and optimizer variables, which must already be built) from `path`."""
        model.load_weights(os.path.join(path, WEIGHTS_FILE))
        if optimizer is None:
            return
        with np.load(os.path.join(path, "optimizer.npz")) as saved:
            values = _unpack_optimizer(saved)
        if len(values) != len(optimizer.variables):
            raise ValueError(f"{path}: optimizer has {len(optimizer.variables)} variables, checkpoint {len(values)}")
        for variable, value in zip(optimizer.variables, values):
            variable.assign(value)

    def _complete(self):
        if not os.path.isdir(self.directory):
            return []
        names = sorted(n for n in os.listdir(self.directory) if n.startswith(_PREFIX) and not n.endswith(_PARTIAL))
        return [os.path.join(self.directory, n) for n in names if os.path.isfile(os.path.join(self.directory, n, "state.json"))]

    def _prune_old(self):
        for path in self._complete()[: -self.keep]:
            shutil.rmtree(path, ignore_errors=True)

    def _set_aside(self, path):
        """Rename a damaged checkpoint out of the `ckpt-` series, keeping it for inspection."""
        target, count = os.path.join(self.directory, _DAMAGED + os.path.basename(path)), 0
        while os.path.exists(target):
            count += 1
            target = os.path.join(self.directory, f"{_DAMAGED}{os.path.basename(path)}.{count}")
        os.replace(path, target)
        return target


_MOMENTS = ("_momentum", "_velocity")


def _pack_optimizer(variables):
    """`arr_<i>` for exact values; `half_<i>` (float16) with `scale_<i>` for moments; `sqrt_<i>` marks a velocity."""
    arrays = {}
    for i, variable in enumerate(variables):
        value = variable.numpy()
        if not variable.name.endswith(_MOMENTS) or value.ndim == 0 or not np.isfinite(value).all():
            arrays[f"arr_{i}"] = value
            continue
        if variable.name.endswith("_velocity"):
            value, arrays[f"sqrt_{i}"] = np.sqrt(np.maximum(value, 0)), np.array(True)
        scale = np.float32(np.max(np.abs(value), initial=0.0)) or np.float32(1.0)
        arrays[f"half_{i}"], arrays[f"scale_{i}"] = (value / scale).astype(np.float16), scale
    return arrays


def _unpack_optimizer(saved):
    values = []
    for i in range(sum(name.startswith(("arr_", "half_")) for name in saved.files)):
        if f"arr_{i}" in saved.files:
            values.append(saved[f"arr_{i}"])
            continue
        value = saved[f"half_{i}"].astype(np.float32) * saved[f"scale_{i}"]
        values.append(np.square(value) if f"sqrt_{i}" in saved.files else value)
    return values


def _read_optimizer_file(path):
    with np.load(os.path.join(path, "optimizer.npz")) as saved:
        return [saved[name] for name in saved.files]  # reading every array finds truncation


def resolve_weights(path):
    """The weights in `path`: an exported model folder, a training model directory (its newest
    checkpoint), its `checkpoints/` folder, one `ckpt-*` folder, or the weights file itself.
    Gives a `.weights.h5` file, or for an exported folder shipped without one the prefix of its
    SavedModel's variables (the same values): read either with `load_weights`."""
    if os.path.isfile(path):
        return path
    for candidate in (path, os.path.join(path, "checkpoints")):
        if os.path.isfile(os.path.join(candidate, WEIGHTS_FILE)):
            return os.path.join(candidate, WEIGHTS_FILE)
        if os.path.isdir(candidate):
            latest = CheckpointStore.latest_in(candidate)
            if latest:
                return os.path.join(latest, WEIGHTS_FILE)
    if is_model_folder(path):
        variables = os.path.join(path, FILES["saved_model"], "variables", "variables")
        if os.path.isfile(variables + ".index"):
            return variables
        raise FileNotFoundError(f"{path}: an exported model folder with neither {WEIGHTS_FILE} nor "
                                f"{FILES['saved_model']}/variables")
    raise FileNotFoundError(f"{path}: no checkpoint found (expected a model directory, its checkpoints/ or a ckpt-* folder)")


def load_weights(model, weights):
    """Load `weights` (a path from `resolve_weights`) into `model`; ValueError if they do not fit it.

    An exported SavedModel tracks the Keras model as its attribute `model`, so its variables
    restore by object path into a network built from the same pipeline."""
    if not os.path.isfile(weights + ".index"):  # not a SavedModel's variables: a file Keras reads
        model.load_weights(weights)
        return
    try:
        tf.train.Checkpoint(model=model).read(weights).expect_partial().assert_existing_objects_matched()
    except (AssertionError, ValueError) as error:
        raise ValueError(f"{weights}: the SavedModel's variables do not fit this network ({str(error)[:300]})") from None
