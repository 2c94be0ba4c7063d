"""Where the modulation goes, its filter size and its rank: PSNR against latency (issue 13, items 1 and 2).

    python benchmarks/modulation_placement.py [--steps 500] [--variants adafm_k3,adafm_k1,dni,dni_from2,...]
        [--runs runs/modulation_placement] [--latency L.json] [--output benchmarks/results/adafm_placement]

Variants are the rows of `benchmarks/tunable_latency.py` (`tunable_sections`, with placement
`all`): AdaFM 3x3 / 1x1 (`adafm_k3`, `adafm_k1`), FTN, DNI, low-rank DNI (`dni_r4`, `dni_r8`),
each also from a coarser U-Net level (`_from1`, `_from2`, `_from3`). Every variant tunes on the
same base, the flagship's (zoo/adafm-unet24-gray-15-50, base network only:
`train.initial_weights_match: base`), for the same --steps tune steps at sigma 50, with the
flagship's recipe (tunablecnn/configs/zoo_adafm_unet24_gray_15_50.json) and only its `tunable`
section replaced by the variant's. Each variant is trained, exported (alpha calibrated on the
held-out images) and scored on BSD68 at its calibrated alpha at sigma 25 / 35 / 50 with the
package's own commands (`python -m tunablecnn.train / .export / .evaluate`), in RUNS/<variant>/.
A step whose output exists is skipped, and training resumes: rerunning continues where a killed
run stopped. Latency ratios are read from --latency, where every variant was timed in one
interleaved run (`benchmarks/tunable_latency.py --pipeline-config
tunablecnn/configs/adafm_unet24_gray_15_50.json --repeats 11 --output ...`). Writes OUTPUT.json
and OUTPUT.md and prints the table.
"""

import argparse
import json
import math
import os
import subprocess
import sys

from tunablecnn.config import config_path

from tunable_latency import tunable_sections, write_results  # benchmarks/, beside this script

FLAGSHIP = "zoo_adafm_unet24_gray_15_50.json"
SIGMAS = "25,35,50"


def main():
    args = _parser().parse_args()
    latency = _latency(args.latency)
    variants = _variants()
    rows = {}
    for name in args.variants.split(","):
        if name not in variants:
            sys.exit(f"--variants: unknown variant {name!r}; choose from {', '.join(variants)}")
        rows[name] = {**_run_variant(name, variants[name], args), **latency.get(name, {})}
    report = _markdown(rows, args)
    sections = {name: variants[name] for name in rows}
    write_results(args.output, {"steps": args.steps, "dataset": args.dataset, "variants": rows, "tunable": sections}, report)


def _variants():
    """{name: tunable section}, the rows of tunable_latency.py for the flagship's U-Net."""
    with open(config_path(FLAGSHIP)) as handle:
        return tunable_sections("all", json.load(handle)["model"])


def _run_variant(name, tunable, args):
    """Train, export and evaluate one variant (each step skipped when its output exists)."""
    folder = os.path.join(args.runs, name)
    os.makedirs(folder, exist_ok=True)
    config = os.path.join(folder, "config.json")
    with open(config, "w") as handle:
        json.dump(_pipeline(tunable, args.steps), handle, indent=2)
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


def _pipeline(tunable, steps):
    with open(config_path(FLAGSHIP)) as handle:
        pipeline = json.load(handle)
    steps_per_epoch = pipeline["train"].get("steps_per_epoch", 500)
    pipeline["tunable"] = {**tunable, "tune_total_steps": steps, "tune_epochs": math.ceil(steps / steps_per_epoch)}
    pipeline["train"].update(epochs=0, initial_weights="zoo/adafm-unet24-gray-15-50",
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
    sigmas, variants = SIGMAS.split(","), _variants()
    lines = [f"# Modulation placement: PSNR against latency ({args.steps} tune steps each, one base)", "",
             f"BSD68 PSNR dB at the calibrated alpha; latency ratio to the base network (TFLite float32, 512x512) "
             f"from `{args.latency}`. Command: `python benchmarks/modulation_placement.py --steps {args.steps} "
             f"--variants {args.variants} --latency {args.latency} --output {args.output}`.", "",
             "| variant | method | kernel / rank | from level | " + " | ".join(f"σ={s}" for s in sigmas)
             + " | 1 thread | 2 threads |",
             "|---|---|---:|---:|" + "---:|" * (len(sigmas) + 2)]
    for name, row in rows.items():
        tunable = variants[name]
        size = f"k{tunable['kernel_size']}" if "kernel_size" in tunable else f"r{tunable['rank']}" if "rank" in tunable else "full"
        ratios = [f"{row[f'ratio_{t}_threads']:.2f}x" if f"ratio_{t}_threads" in row else "-" for t in (1, 2)]
        lines.append(f"| {name} | {tunable['type']} | {size} | {tunable.get('from_level', 0)} | "
                     + " | ".join(f"{row['psnr'][s]:.2f}" for s in sigmas) + " | " + " | ".join(ratios) + " |")
    return "\n".join(lines) + "\n"


def _parser():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--steps", type=int, default=500, help="tune steps per variant (default 500)")
    parser.add_argument("--variants", default="adafm_k3,adafm_k1,adafm_k3_from1,adafm_k1_from1,adafm_k3_from2",
                        help=f"comma list from {', '.join(_variants())}")
    parser.add_argument("--dataset", default="../shared/data/BSD68")
    parser.add_argument("--runs", default="runs/modulation_placement", help="one folder per variant (resumable)")
    parser.add_argument("--latency", default="benchmarks/results/tunable_latency_unet24.json")
    parser.add_argument("--output", default="benchmarks/results/modulation_placement", help="writes OUTPUT.json and OUTPUT.md")
    return parser


if __name__ == "__main__":
    main()
