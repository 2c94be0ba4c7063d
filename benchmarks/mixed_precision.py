"""Training speed and quality of float32 against mixed_bfloat16 (and optionally mixed_float16).

    python benchmarks/mixed_precision.py [--pipeline-config P] [--steps 300] [--policies float32,mixed_bfloat16]

Trains the pipeline's first stage for --steps steps under each dtype policy from the same
seed, in fresh model directories under /tmp, and prints steps/s (excluding the first 20
steps of tracing) and the validation PSNR at the end: the comparison at equal steps. Compare
at equal wall time by scaling --steps with the measured speed ratio.
"""

import argparse
import copy
import json
import shutil
import time

import numpy as np

from tunablecnn import load_pipeline
from tunablecnn.config import config_path
from tunablecnn.train import train


def run(pipeline, policy, steps):
    config = copy.deepcopy(pipeline)
    config.pop("tunable", None)  # one stage is enough to compare policies
    config["train"].update(mixed_precision=policy, epochs=1, steps_per_epoch=steps, total_steps=-1,
                           checkpoint_every=10 * steps, visualization_every=10 * steps)
    directory = f"/tmp/mixed_precision_{policy}"
    shutil.rmtree(directory, ignore_errors=True)
    start = time.perf_counter()
    result = train(load_pipeline(config), directory)
    elapsed = time.perf_counter() - start
    return {"policy": policy, "seconds": elapsed, "psnr": result["psnr"],
            "final_loss": float(np.mean(result["losses"][-20:]))}


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pipeline-config", default=config_path("adafm_unet_gray_15_50.json"))
    parser.add_argument("--steps", type=int, default=300)
    parser.add_argument("--policies", default="float32,mixed_bfloat16")
    parser.add_argument("--output")
    args = parser.parse_args()
    pipeline = load_pipeline(args.pipeline_config)
    rows = [run(pipeline, policy, args.steps) for policy in args.policies.split(",")]
    print(f"\n{args.steps} steps of {args.pipeline_config}\n")
    print("| policy | wall time s | steps/s | validation PSNR dB | loss (last 20 steps) |\n|---|---:|---:|---:|---:|")
    for row in rows:
        print(f"| {row['policy']} | {row['seconds']:.0f} | {args.steps / row['seconds']:.2f} | {row['psnr']:.2f} | {row['final_loss']:.4f} |")
    if args.output:
        with open(args.output, "w") as handle:
            json.dump(rows, handle, indent=2)


if __name__ == "__main__":
    main()
