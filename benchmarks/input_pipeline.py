"""Training step time with the real input pipeline against a cached in-memory batch.

    python benchmarks/input_pipeline.py [--pipeline-config P] [--steps 60] [--output results.json]

Runs the compiled training step of the pipeline's first stage twice: fed by the streaming
tf.data pipeline (decode, crop, augment, degrade, prefetch), and fed by one batch repeated
from memory. The difference is what the input pipeline costs; the design bar is <= 10 %.
"""

import argparse
import json
import time

import tensorflow as tf

from tunablecnn import load_pipeline
from tunablecnn.config import config_path
from tunablecnn.data import make_dataset
from tunablecnn.models import build_model
from tunablecnn.train.stages import plan_stages
from tunablecnn.train.trainer import Trainer, make_optimizer


def time_steps(trainer, stage, dataset, steps):
    optimizer = make_optimizer(trainer.config["optimizer"], trainer.config["mixed_precision"])
    optimizer.build(trainer.model.trainable_variables)
    step = trainer._compile_step(stage, optimizer)
    iterator = iter(trainer.strategy.experimental_distribute_dataset(dataset))
    for _ in range(5):  # tracing and warm-up
        step(iterator)
    start = time.perf_counter()
    for _ in range(steps):
        float(step(iterator))
    return (time.perf_counter() - start) / steps


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pipeline-config", default=config_path("adafm_unet_gray_15_50.json"))
    parser.add_argument("--steps", type=int, default=60)
    parser.add_argument("--output")
    args = parser.parse_args()
    pipeline = load_pipeline(args.pipeline_config)
    trainer = Trainer(pipeline, "/tmp/input_pipeline_benchmark")
    trainer.model = build_model(pipeline)
    stage = plan_stages(pipeline)[0]
    streaming = make_dataset(pipeline["dataset"], noise_override=stage.noise, seed=0)
    cached = tf.data.Dataset.from_tensors(next(iter(streaming))).repeat()
    real = time_steps(trainer, stage, streaming, args.steps)
    memory = time_steps(trainer, stage, cached, args.steps)
    overhead = real / memory - 1
    print(f"{args.pipeline_config}: {1000 * real:.1f} ms/step with the input pipeline, "
          f"{1000 * memory:.1f} ms/step from memory: pipeline overhead {100 * overhead:+.1f} %")
    if args.output:
        with open(args.output, "w") as handle:
            json.dump({"config": args.pipeline_config, "real_ms": 1000 * real, "cached_ms": 1000 * memory,
                       "overhead": overhead, "steps": args.steps}, handle, indent=2)


if __name__ == "__main__":
    main()
