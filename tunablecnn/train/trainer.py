"""The training loop: stages, compiled distributed steps, checkpoints, pruning, monitoring."""

import contextlib
import json
import logging
import math
import os
import signal
import threading
import time

import keras
import numpy as np
import tensorflow as tf

from tunablecnn.config import ConfigError, load_pipeline
from tunablecnn.data import dataset_files, make_dataset, pipeline_errors, validation_batch
from tunablecnn.data.files import resolve_directories
from tunablecnn.models import build_model
from tunablecnn.models.modulation import method_options
from tunablecnn.models.transfer import copy_base_weights
from tunablecnn.models.tunable import set_stage, start_tune_stage
from tunablecnn.train.checkpoints import CheckpointStore, load_weights, resolve_weights
from tunablecnn.train.distribution import distribute_batches, is_chief, make_strategy
from tunablecnn.train.losses import per_example_loss, psnr, regularization_loss
from tunablecnn.train.monitor import Monitor
from tunablecnn.train.pruning import prune_model
from tunablecnn.train.stages import plan_stages

logger = logging.getLogger(__name__)

_LOG_EVERY = 20  # steps between TensorBoard scalar writes
PIPELINE_FILE = "pipeline.json"


class TrainingDiverged(RuntimeError):
    """The loss became NaN or infinite; the last good checkpoint is kept."""


class Trainer:
    """Runs every stage of a pipeline in `model_directory`, resuming from its latest checkpoint."""

    def __init__(self, pipeline, model_directory, *, strategy=None):
        # Bad data (a missing folder, nothing that decodes) fails here, before anything is built or written.
        self.files = dataset_files(pipeline["dataset"])
        self.pipeline = pipeline
        self.directory = model_directory
        self.config = pipeline["train"]
        self.stages = plan_stages(pipeline)
        self.store = CheckpointStore(os.path.join(model_directory, "checkpoints"), self.config["checkpoints_to_keep"])
        self.strategy = strategy or make_strategy(self.config["distribution"])
        self.is_chief = is_chief(self.strategy)  # other multi-worker tasks train but write nothing
        self.monitor = None
        self.model = None
        self.global_step = 0
        self.resumed_from = None  # the checkpoint this run started from
        self.saved_at = None  # global step of the newest checkpoint
        self.losses = []  # loss of every step this run executed

    def fit(self):
        """Train to the end of the last stage.

        Returns `{"global_step", "psnr", "validation", "checkpoint", "losses"}`: `psnr` is measured
        on the validation images that `validation` describes (held out of training by default).
        """
        os.makedirs(self.directory, exist_ok=True)
        write_pipeline(self.directory, self.pipeline, save=self.is_chief)
        self.monitor = Monitor(self.directory, enabled=self.is_chief)
        self._log_data()
        with training_policy(self.config), pipeline_errors():
            with self.strategy.scope():
                self.model = build_model(self.pipeline)
            stage_index, step = self._resume()
            for index, stage in enumerate(self.stages):
                if index >= stage_index:
                    result = self._run_stage(index, stage, step if index == stage_index else 0)
        return {**result, "global_step": self.global_step, "validation": self.files.validation_label,
                "checkpoint": self.store.latest(), "losses": self.losses}

    def _log_data(self):
        files, folders = self.files, ", ".join(resolve_directories(self.pipeline["dataset"]["directory"]))
        logger.info("training on %d image(s) in %s; validation PSNR on %s", len(files.train), folders,
                    files.validation_label)
        if files.skipped:
            logger.warning("skipped %d non-image file(s), e.g. %s", len(files.skipped), files.skipped[0])

    def _resume(self):
        found = self.store.restore_newest(self.model, set_aside=self.is_chief)
        if found is None:
            self._warm_start()
            return 0, 0
        self.resumed_from, state = found
        self.global_step = self.saved_at = state["global_step"]
        logger.info("resuming from %s (stage %s, step %d)", self.resumed_from, state["stage"], state["step"])
        return state["stage_index"], state["step"]

    def _warm_start(self):
        path = self.config["initial_weights"]
        if path is None:
            return
        try:
            weights = resolve_weights(path)
        except FileNotFoundError:
            raise ConfigError([f"train.initial_weights: {path} holds no weights; give a .weights.h5 file, an exported "
                               "model folder or a training model directory"]) from None
        try:
            if self.config["initial_weights_match"] == "base":
                self._copy_base(path, weights)
            else:
                load_weights(self.model, weights)
        except (ValueError, OSError) as error:
            raise ConfigError([f"train.initial_weights: {path} does not fit this network ({error})"]) from error
        logger.info("warm start from %s%s", weights, " (base network only)" if self.config["initial_weights_match"] == "base" else "")

    def _copy_base(self, path, weights):
        folder = path if os.path.isdir(path) else os.path.dirname(path)
        pipeline_file = os.path.join(folder, PIPELINE_FILE)
        if not os.path.isfile(pipeline_file):
            raise ConfigError([f"train.initial_weights: {folder} has no {PIPELINE_FILE}; initial_weights_match 'base' "
                               "needs the source's pipeline (an exported model folder or a training model directory)"])
        source = build_model(load_pipeline(pipeline_file))
        load_weights(source, weights)
        copy_base_weights(source, self.model)

    def _run_stage(self, index, stage, step):
        total = stage.steps(self.config["steps_per_epoch"])
        validation = self._validation(stage)
        if step >= total:
            return {"psnr": self._psnr(stage, validation)}
        self._enter_stage(stage, fresh=step == 0)
        with self.strategy.scope():
            optimizer = make_optimizer(self.config["optimizer"], self.config["mixed_precision"])
            optimizer.build(self.model.trainable_variables)
        if step > 0:
            self.store.restore(self.resumed_from, self.model, optimizer)
        train_step = self._compile_step(stage, optimizer)
        batches = iter(self._batches(stage))
        self.monitor.start_stage(stage.name, total, step, self.files.validation_label)
        self._steps(index, stage, (step, total), train_step, batches, optimizer, validation)
        return {"psnr": self._psnr(stage, validation)}

    def _steps(self, index, stage, span, train_step, batches, optimizer, validation):
        (step, total), loss = span, None
        clock = (time.perf_counter(), step)
        try:
            with ctrl_c_between_steps() as stop:
                while step < total:
                    self._maybe_prune(stage, step)
                    loss = float(train_step(batches))
                    step, self.global_step = step + 1, self.global_step + 1
                    self._check_finite(loss, stage)
                    self.losses.append(loss)
                    clock = self._after_step(index, stage, step, total, loss, optimizer, validation, clock)
                    if stop.requested:
                        raise KeyboardInterrupt
        except KeyboardInterrupt:
            if loss is not None and math.isfinite(loss):
                self._save(index, stage, step, optimizer, {"loss": loss})  # keep the steps since the last one
            raise

    def _after_step(self, index, stage, step, total, loss, optimizer, validation, clock):
        spe, now = self.config["steps_per_epoch"], time.perf_counter()
        rate = (step - clock[1]) / max(now - clock[0], 1e-9)
        values = {"loss": loss, "lr": float(optimizer.learning_rate), "steps/s": rate}
        if step == total:
            self._maybe_prune(stage, step, end=True)  # before the PSNR: it is measured on the saved model
        if step % spe == 0 or step == total:
            values["validation_psnr"] = self._psnr(stage, validation)
        self.monitor.step(step, values)
        if step % _LOG_EVERY == 0 or "validation_psnr" in values:
            self.monitor.scalars(self.global_step, {f"{stage.name}/{k.replace('/', '_per_')}": v for k, v in values.items()})
            clock = (now, step)
        if step % self.config["visualization_every"] == 0 or step == total:
            self._visualize(stage, validation)
        if step % self.config["checkpoint_every"] == 0 or step % spe == 0 or step == total:
            psnr = {"psnr": values["validation_psnr"]} if "validation_psnr" in values else {}
            self._save(index, stage, step, optimizer, {"loss": loss, **psnr})
        return clock

    def _save(self, index, stage, step, optimizer, extra):
        if not self.is_chief or self.saved_at == self.global_step:
            return
        state = {"stage_index": index, "stage": stage.name, "step": step, "global_step": self.global_step, **extra,
                 "validation": self.files.validation_label}
        self.store.save(self.model, optimizer, state)
        self.saved_at = self.global_step

    def _enter_stage(self, stage, fresh):
        if stage.name == "train":
            return
        if stage.name == "tune" and fresh:
            start_tune_stage(self.model)
        else:
            set_stage(self.model, stage.name)

    def _compile_step(self, stage, optimizer):
        model, strategy, loss_config = self.model, self.strategy, self.pipeline["loss"]
        batch, replicas = self.pipeline["dataset"]["batch_size"], self.strategy.num_replicas_in_sync
        variables = model.trainable_variables

        def replica_step(degraded, clean):
            with tf.GradientTape() as tape:
                restored = model(self._inputs(degraded, stage), training=True)
                loss = tf.nn.compute_average_loss(per_example_loss(clean, restored, loss_config), global_batch_size=batch)
                loss += regularization_loss(model, loss_config) / replicas
                scaled = optimizer.scale_loss(loss)
            gradients = tape.gradient(scaled, variables)
            optimizer.apply_gradients(zip(gradients, variables))
            return loss

        @tf.function
        def train_step(iterator):
            degraded, clean = next(iterator)
            losses = strategy.run(replica_step, args=(degraded, clean))
            return strategy.reduce(tf.distribute.ReduceOp.SUM, losses, axis=None)

        return train_step

    def _inputs(self, degraded, stage):
        if stage.alpha is None:
            return degraded
        return {"image": degraded, "alpha": tf.fill([tf.shape(degraded)[0], 1], stage.alpha)}

    def _batches(self, stage):
        dataset_config, seed = self.pipeline["dataset"], self.config["seed"]
        noise = stage.noise
        # Skip the batches already used, so a resumed run does not repeat them.
        make = lambda: make_dataset(dataset_config, noise_override=noise, seed=seed + self.global_step)  # noqa: E731
        return distribute_batches(self.strategy, make, dataset_config["batch_size"])

    def _validation(self, stage):
        degraded, clean = validation_batch(self.pipeline["dataset"], seed=12345, noise_override=stage.noise)
        return self._inputs(degraded, stage), clean

    def _psnr(self, stage, validation):
        inputs, clean = validation
        return float(psnr(clean, self.model(inputs, training=False)))

    def _visualize(self, stage, validation):
        inputs, clean = validation
        degraded = inputs["image"] if isinstance(inputs, dict) else inputs
        restored = self.model(inputs, training=False)
        self.monitor.images(self.global_step, stage.name, degraded, clean, restored)

    def _maybe_prune(self, stage, step, end=False):
        """Prune at the start of every epoch from `prune.start_epoch`, and at the `end` of a stage whose
        pruning has begun, so the saved model is sparse. The tune stage never prunes."""
        spe, start = self.config["steps_per_epoch"], self.config["prune"]["start_epoch"]
        if stage.name == "tune":
            return
        if end:
            due = (step - 1) // spe >= start  # the epoch of the last step is one that prunes
        else:
            due = step % spe == 0 and step // spe >= start
        if due:
            self._prune(stage, step)

    def _prune(self, stage, step):
        prune = self.config["prune"]
        if prune["strategy"] == "none":
            return
        rng = np.random.default_rng(self.config["seed"] + self.global_step)
        sparsity = prune_model(self.model, prune, rng)
        logger.info("pruned (%s) at %s step %d: %.1f%% of kernel weights are zero", prune["strategy"], stage.name,
                    step, 100 * sparsity["total"])
        for name, value in sparsity.items():
            logger.debug("  sparsity %s: %.3f", name, value)
        self.monitor.scalars(self.global_step, {f"{stage.name}/sparsity": sparsity["total"]})

    def _check_finite(self, loss, stage):
        if math.isfinite(loss):
            return
        latest = self.store.latest() or "none written yet"
        raise TrainingDiverged(
            f"loss became {loss} at global step {self.global_step} (stage {stage.name}); training stopped and "
            f"the last good checkpoint is kept: {latest}. Lower train.optimizer.learning_rate or set "
            "train.optimizer.gradient_clipping_by_norm, then rerun the same command to resume from it."
        )


def make_optimizer(config, mixed_precision):
    schedule = keras.optimizers.schedules.ExponentialDecay(
        config["learning_rate"], decay_steps=config["decay_steps"], decay_rate=config["decay_rate"]
    )
    clip = config["gradient_clipping_by_norm"] or None
    optimizer_class = {"adam": keras.optimizers.Adam, "rmsprop": keras.optimizers.RMSprop}[config["type"]]
    optimizer = optimizer_class(learning_rate=schedule, global_clipnorm=clip)
    if mixed_precision == "mixed_float16":
        optimizer = keras.optimizers.LossScaleOptimizer(optimizer)  # float16 gradients underflow otherwise
    return optimizer


@contextlib.contextmanager
def training_policy(train_config):
    """Seed Keras and set the dtype policy for this run only (restored afterwards)."""
    previous = keras.config.dtype_policy()
    keras.utils.set_random_seed(train_config["seed"])
    keras.config.set_dtype_policy(train_config["mixed_precision"])
    try:
        yield
    finally:
        keras.config.set_dtype_policy(previous)


@contextlib.contextmanager
def ctrl_c_between_steps():
    """Make Ctrl-C (SIGINT) stop the training loop between two steps.

    Python raises KeyboardInterrupt wherever the signal lands, and where it lands in a weakref
    callback or a destructor it is printed as "Exception ignored" and lost: the run went on to
    its end. Here the first Ctrl-C only sets `requested`, which the loop checks after each step;
    a second one raises at once (for a step that hangs). A SIGINT that the process ignores (a
    job started in the background by a script) stays ignored; other threads keep Python's handler.
    """
    flag = type("Stop", (), {"requested": False})()
    previous = signal.getsignal(signal.SIGINT)
    if threading.current_thread() is not threading.main_thread() or previous is signal.SIG_IGN:
        yield flag
        return

    def handler(signum, frame):
        if flag.requested:
            raise KeyboardInterrupt
        flag.requested = True

    signal.signal(signal.SIGINT, handler)
    try:
        yield flag
    finally:
        signal.signal(signal.SIGINT, previous)


def write_pipeline(directory, pipeline, save=True):
    """Save the resolved pipeline; refuse a directory trained with a different network."""
    path = os.path.join(directory, PIPELINE_FILE)
    if os.path.isfile(path):
        with open(path) as handle:
            previous = _with_defaults(json.load(handle))
        changed = [d for key in _model_defining()
                   for d in _differences(_lookup(previous, key), _lookup(pipeline, key), key)]
        if changed:
            raise ConfigError(
                f"{path}: {key} is {old!r} in the pipeline this directory was trained with, {new!r} now; "
                "use a new --model-directory, or the original values to resume"
                for key, old, new in changed
            )
    if save:
        with open(path, "w") as handle:
            json.dump(pipeline, handle, indent=2)


def _with_defaults(previous):
    """The saved pipeline with the keys added to the schema since it was written, at their defaults."""
    try:
        return load_pipeline(previous)
    except ConfigError:  # saved by an older version the schema no longer accepts: compare what is there
        return previous


def _model_defining():
    """Keys that define the network: a model directory cannot be resumed with other values."""
    methods = (f"tunable.{key}" for key in method_options())
    return ("model", "tunable.type", "tunable.placement", "tunable.from_level", *methods, "tunable.start", "tunable.end")


def _differences(old, new, path):
    """(path, old, new) of every leaf that differs between two JSON values."""
    if isinstance(old, dict) and isinstance(new, dict):
        for key in sorted(set(old) | set(new)):
            yield from _differences(old.get(key), new.get(key), f"{path}.{key}")
    elif old != new:
        yield path, old, new


def _lookup(pipeline, dotted):
    node = pipeline
    for part in dotted.split("."):
        if not isinstance(node, dict) or part not in node:
            return None
        node = node[part]
    return node
