"""Where AdaFM's modulation goes and how large its filter is: PSNR against latency (issue 13, item 1).

    python benchmarks/adafm_placement.py [--steps 500] [--variants k3_all,k1_all,k3_from1,k1_from1,k3_from2]
        [--runs runs/adafm_placement] [--output benchmarks/results/adafm_placement]

Every variant tunes AdaFM on the same base, the flagship's (pretrained/adafm-unet24-gray-15-50,
base network only: `train.initial_weights_match: base`), for the same --steps tune steps at
sigma 50, with the flagship's recipe (tunablecnn/configs/zoo_adafm_unet24_gray_15_50.json) and
only `tunable.kernel_size` / `tunable.from_level` changed. Each variant is trained, exported
(alpha calibrated on the held-out images) and scored on BSD68 at its calibrated alpha at sigma
25 / 35 / 50 with the package's own commands (`python -m tunablecnn.train / .export / .evaluate`),
in RUNS/<variant>/. A step whose output exists is skipped, and training resumes: rerunning
continues where a killed run stopped. Latency ratios are read from
benchmarks/results/tunable_latency_unet24.json (`benchmarks/tunable_latency.py --pipeline-config
tunablecnn/configs/adafm_unet24_gray_15_50.json --repeats 11 --output ...`), where every variant
was timed in one interleaved run. Writes OUTPUT.json and OUTPUT.md and prints the table.
"""

import argparse
import json
import math
import os
import subprocess
import sys

from tunablecnn.config import config_path

from tunable_latency import write_results  # benchmarks/, beside this script

VARIANTS = {  # name: (tunable.kernel_size, tunable.from_level); names as in tunable_latency.py
    "k3_all": (3, 0), "k1_all": (1, 0), "k3_from1": (3, 1), "k1_from1": (1, 1), "k3_from2": (3, 2), "k1_from2": (1, 2),
}
SIGMAS = "25,35,50"


def main():
    args = _parser().parse_args()
    latency = _latency(args.latency)
    rows = {}
    for name in args.variants.split(","):
        if name not in VARIANTS:
            sys.exit(f"--variants: unknown variant {name!r}; choose from {', '.join(VARIANTS)}")
        rows[name] = {**_run_variant(name, args), **latency.get(f"adafm_{name}".replace("_all", ""), {})}
    report = _markdown(rows, args)
    write_results(args.output, {"steps": args.steps, "dataset": args.dataset, "variants": rows}, report)


def _run_variant(name, args):
    """Train, export and evaluate one variant (each step skipped when its output exists)."""
    folder = os.path.join(args.runs, name)
    os.makedirs(folder, exist_ok=True)
    config = os.path.join(folder, "config.json")
    with open(config, "w") as handle:
        json.dump(_pipeline(name, args.steps), handle, indent=2)
    exported, report = os.path.join(folder, "exported"), os.path.join(folder, "bsd68")
    if not os.path.isfile(os.path.join(exported, "metadata.json")):
        run_command("train", "--pipeline-config", config, "--model-directory", os.path.join(folder, "run"))
        run_command("export", "--checkpoint-directory", os.path.join(folder, "run"), "--output-directory", exported)
    if not os.path.isfile(os.path.join(report, "results.json")):
        run_command("evaluate", "--model", exported, "--dataset", args.dataset, "--sigmas", SIGMAS, "--calibrated",
                 "--output", report)
    with open(os.path.join(report, "results.json")) as handle:
        summary = json.load(handle)["summary"]
    return {"psnr": {f"{row['sigma']:g}": row["psnr"] for row in summary if row["setting"] == "calibrated"}}


def _pipeline(name, steps):
    with open(config_path("zoo_adafm_unet24_gray_15_50.json")) as handle:
        pipeline = json.load(handle)
    kernel_size, from_level = VARIANTS[name]
    steps_per_epoch = pipeline["train"].get("steps_per_epoch", 500)
    pipeline["tunable"].update(kernel_size=kernel_size, from_level=from_level, tune_total_steps=steps,
                               tune_epochs=math.ceil(steps / steps_per_epoch))
    pipeline["train"].update(epochs=0, initial_weights="pretrained/adafm-unet24-gray-15-50",
                             initial_weights_match="base", checkpoint_every=min(250, steps))
    return pipeline


def run_command(tool, *arguments):
    """Run `python -m tunablecnn.<tool> ARGUMENTS`, echoing it; exit the benchmark if it fails."""
    command = [sys.executable, "-m", f"tunablecnn.{tool}", *arguments]
    print("$", " ".join(command), flush=True)
    if subprocess.run(command).returncode != 0:
        sys.exit(f"failed: {' '.join(command)}")


def _latency(path):
    if not os.path.isfile(path):
        print(f"no latency results at {path}: run benchmarks/tunable_latency.py first (table without latency)")
        return {}
    with open(path) as handle:
        results = json.load(handle)["results"]
    base = results["base"]
    return {name: {f"ratio_{t}_threads": row[f"{t}_threads_ms"] / base[f"{t}_threads_ms"] for t in (1, 2)}
            for name, row in results.items()}


def _markdown(rows, args):
    sigmas = SIGMAS.split(",")
    lines = [f"# AdaFM placement: PSNR against latency ({args.steps} tune steps each, one base)", "",
             f"BSD68 PSNR dB at the calibrated alpha; latency ratio to the base network (TFLite float32, 512x512) "
             f"from `{args.latency}`. Command: `python benchmarks/adafm_placement.py --steps {args.steps} "
             f"--variants {args.variants}`.", "",
             "| variant | kernel | from level | " + " | ".join(f"σ={s}" for s in sigmas) + " | 1 thread | 2 threads |",
             "|---|---:|---:|" + "---:|" * (len(sigmas) + 2)]
    for name, row in rows.items():
        kernel_size, from_level = VARIANTS[name]
        ratios = [f"{row[f'ratio_{t}_threads']:.2f}x" if f"ratio_{t}_threads" in row else "-" for t in (1, 2)]
        lines.append(f"| {name} | {kernel_size} | {from_level} | " + " | ".join(f"{row['psnr'][s]:.2f}" for s in sigmas)
                     + " | " + " | ".join(ratios) + " |")
    return "\n".join(lines) + "\n"


def _parser():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--steps", type=int, default=500, help="tune steps per variant (default 500)")
    parser.add_argument("--variants", default="k3_all,k1_all,k3_from1,k1_from1,k3_from2",
                        help=f"comma list from {', '.join(VARIANTS)}")
    parser.add_argument("--dataset", default="../shared/data/BSD68")
    parser.add_argument("--runs", default="runs/adafm_placement", help="one folder per variant (resumable)")
    parser.add_argument("--latency", default="benchmarks/results/tunable_latency_unet24.json")
    parser.add_argument("--output", default="benchmarks/results/adafm_placement", help="writes OUTPUT.json and OUTPUT.md")
    return parser


if __name__ == "__main__":
    main()
