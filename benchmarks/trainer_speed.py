"""Where the trainer's time goes: a bare training step against the trainer, at steady state.

    python benchmarks/trainer_speed.py [--pipeline-config P ...] [--policies float32,mixed_bfloat16]
        [--steps 60] [--warmup 15] [--output benchmarks/results/trainer_speed.json]

For each config (the tunable section is dropped: the base stage is what trains longest) and
dtype policy, in one process and one run, so the numbers compare as ratios:

- `bare`:      a `tf.function` step (gradient tape, Adam, MAE) on one fixed batch in memory;
- `pipeline`:  the same step pulling each batch from the real `tf.data` pipeline;
- `input`:     the input pipeline alone (batches/s, nothing trained);
- `trainer`:   `Trainer.fit` itself (validation, logging, checkpoints included), its step rate
               measured between the warm-up and the last step.

Rates exclude the first --warmup steps (tracing). Noisy on a shared machine: rerun and compare.
"""

import argparse
import copy
import json
import shutil
import tempfile
import time

import keras
import tensorflow as tf

from tunablecnn import build_model, load_pipeline
from tunablecnn.config import config_path
from tunablecnn.data import make_dataset
from tunablecnn.train import Trainer
from tunablecnn.train.trainer import training_policy


def base_pipeline(path, policy):
    config = copy.deepcopy(load_pipeline(path))
    config.pop("tunable", None)
    config["train"]["mixed_precision"] = policy
    return load_pipeline(config)


def step_rate(run_step, steps, warmup):
    for _ in range(warmup):
        run_step()
    start = time.perf_counter()
    for _ in range(steps):
        run_step()
    return steps / (time.perf_counter() - start)


def step_function(model, optimizer):
    @tf.function
    def train_step(noisy, clean):
        with tf.GradientTape() as tape:
            restored = tf.cast(model(noisy, training=True), tf.float32)
            loss = tf.reduce_mean(tf.abs(restored - clean))
        gradients = tape.gradient(loss, model.trainable_variables)
        optimizer.apply_gradients(zip(gradients, model.trainable_variables))
        return loss

    return train_step


def bare_and_pipeline(pipeline, steps, warmup):
    with training_policy(pipeline["train"]):
        model = build_model(pipeline)
        train_step = step_function(model, keras.optimizers.Adam(1e-4))
        batches = iter(make_dataset(pipeline["dataset"], seed=0))
        fixed = next(batches)
        bare = step_rate(lambda: float(train_step(*fixed)), steps, warmup)
        fed = step_rate(lambda: float(train_step(*next(batches))), steps, warmup)
        data = step_rate(lambda: next(batches), steps, warmup)
    return {"bare": bare, "pipeline": fed, "input": data}


class _TimedTrainer(Trainer):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.times = []

    def _after_step(self, *args, **kwargs):
        result = super()._after_step(*args, **kwargs)
        self.times.append(time.perf_counter())
        return result


def trainer_rate(pipeline, steps, warmup):
    config = copy.deepcopy(pipeline)
    total = steps + warmup
    # An epoch of 100 steps as in long runs' cadence: one validation PSNR + checkpoint inside the window.
    config["train"].update(epochs=1, steps_per_epoch=total, total_steps=-1, checkpoint_every=max(total // 2, 1),
                           visualization_every=10 * total)
    directory = tempfile.mkdtemp(prefix="trainer_speed_")
    try:
        trainer = _TimedTrainer(load_pipeline(config), directory)
        trainer.fit()
    finally:
        shutil.rmtree(directory, ignore_errors=True)
    times = trainer.times
    return (len(times) - warmup) / (times[-1] - times[warmup - 1])


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pipeline-config", action="append")
    parser.add_argument("--policies", default="float32,mixed_bfloat16")
    parser.add_argument("--steps", type=int, default=60)
    parser.add_argument("--warmup", type=int, default=15)
    parser.add_argument("--output")
    args = parser.parse_args()
    configs = args.pipeline_config or [config_path("adafm_unet_gray_15_50.json"), config_path("adafm_unet24_gray_15_50.json")]
    rows = []
    for path in configs:
        for policy in args.policies.split(","):
            pipeline = base_pipeline(path, policy)
            row = {"config": path, "policy": policy, **bare_and_pipeline(pipeline, args.steps, args.warmup)}
            row["trainer"] = trainer_rate(pipeline, args.steps, args.warmup)
            rows.append(row)
            print(json.dumps(row), flush=True)
    print("\n| config | policy | bare steps/s | with input pipeline | input alone batches/s | trainer steps/s | trainer / bare |")
    print("|---|---|---:|---:|---:|---:|---:|")
    for r in rows:
        print(f"| {r['config'].split('/')[-1]} | {r['policy']} | {r['bare']:.2f} | {r['pipeline']:.2f} | {r['input']:.1f} "
              f"| {r['trainer']:.2f} | {r['trainer'] / r['bare']:.2f} |")
    if args.output:
        with open(args.output, "w") as handle:
            json.dump(rows, handle, indent=2)


if __name__ == "__main__":
    main()
