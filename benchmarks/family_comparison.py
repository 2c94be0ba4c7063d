"""The backbone families at equal CPU time: BSD68 PSNR against FLOPs per pixel (issue 12).

    python benchmarks/family_comparison.py [--minutes 5] [--families resnet,sparse_resnet,gatenet,unet,multiscale,unet24]
        [--runs runs/family_comparison] [--output reports/families/families]

Each family trains its example config (tunablecnn/configs/<family config>.json: blind, sigma
drawn uniformly from [1, 50], the config's own recipe; `unet24` is the example U-Net at the
flagship's width and precision) from scratch with `python -m
tunablecnn.train` for the same wall-clock budget: the benchmark sends Ctrl-C (SIGINT) after
--minutes, the trainer saves a checkpoint between two steps and stops. So every family gets the
same CPU time, validations and checkpoints included, on a machine running nothing else; the
steps it reached are reported beside it. Each run is exported and scored on --dataset (BSD68; blind, once
per sigma) with `python -m tunablecnn.export / .evaluate`, in RUNS/<family>/. A family whose
export exists is not retrained at the same --minutes (delete RUNS/<family> to redo it); a run interrupted by anything
but the budget is started again from scratch, so that no family gets more than its budget.
Writes OUTPUT.json and OUTPUT.md and prints the table.
"""

import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import time

from tunablecnn.config import config_path, load_pipeline
from tunablecnn.models.cost import model_cost
from tunablecnn.train.checkpoints import CheckpointStore

from modulation_placement import run_command  # benchmarks/, beside this script
from tunable_latency import write_results

FAMILIES = {  # name: (example config, changes to it as {"section.key": value})
    "resnet": ("resnet_gray.json", {}), "sparse_resnet": ("sparse_resnet_gray.json", {}),
    "gatenet": ("gatenet_gray.json", {}), "unet": ("unet_gray.json", {}),
    "multiscale": ("multiscale_resnet_gray.json", {}),
    # the flagship's network (24 filters) in the flagship's precision, with the example's recipe
    "unet24": ("unet_gray.json", {"model.filters": 24, "train.mixed_precision": "mixed_bfloat16"}),
}
SIGMAS = "15,25,50"
_EPOCHS = 10_000  # far more than any budget reaches: the clock stops the run, not the config


def main():
    args = _parser().parse_args()
    rows = {}
    for name in args.families.split(","):
        if name not in FAMILIES:
            sys.exit(f"--families: unknown family {name!r}; choose from {', '.join(FAMILIES)}")
        rows[name] = _run_family(name, args)
    result = {"minutes": args.minutes, "dataset": args.dataset, "sigmas": SIGMAS, "families": rows}
    write_results(args.output, result, _markdown(rows, args))


def _run_family(name, args):
    config, changes = FAMILIES[name]
    result = run_contender(name, changed_pipeline(config, changes), args, SIGMAS)
    return {**result, "config": config, "changes": changes}


def run_contender(name, pipeline, args, sigmas):
    """Train `pipeline` for args.minutes in args.runs/name, export and evaluate it on args.dataset at
    `sigmas` (each step skipped when its output exists); the training record, cost and PSNR per sigma."""
    folder = os.path.join(args.runs, name)
    dataset = os.path.basename(os.path.normpath(args.dataset)).lower()
    run, exported, report = (os.path.join(folder, part) for part in ("run", "exported", dataset))
    os.makedirs(folder, exist_ok=True)
    if not os.path.isfile(os.path.join(exported, "metadata.json")) or _budget(folder) != args.minutes:
        shutil.rmtree(exported, ignore_errors=True)
        shutil.rmtree(report, ignore_errors=True)
        _train_for(pipeline, folder, run, args.minutes)
        run_command("export", "--checkpoint-directory", run, "--output-directory", exported)
    if not os.path.isfile(os.path.join(report, "results.json")):
        run_command("evaluate", "--model", exported, "--dataset", args.dataset, "--sigmas", sigmas, "--output", report)
    with open(os.path.join(report, "results.json")) as handle:
        summary = json.load(handle)["summary"]
    with open(os.path.join(folder, "training.json")) as handle:
        training = json.load(handle)
    return {**training, **model_cost(load_pipeline(pipeline)), "psnr": {f"{row['sigma']:g}": row["psnr"] for row in summary}}


def changed_pipeline(config, changes):
    """The example config `config` with `changes` ({"section.key[.key]": value}) and no epoch limit."""
    with open(config_path(config)) as handle:
        pipeline = json.load(handle)
    for dotted, value in {**changes, "train.epochs": _EPOCHS}.items():
        *parents, key = dotted.split(".")
        section = pipeline
        for parent in parents:
            section = section.setdefault(parent, {})
        section[key] = value
    return pipeline


def _budget(folder):
    """The --minutes of the run in `folder`, or None if it has not trained."""
    path = os.path.join(folder, "training.json")
    if not os.path.isfile(path):
        return None
    with open(path) as handle:
        return json.load(handle).get("minutes")


def _train_for(pipeline, folder, run, minutes):
    """Run the train command from scratch and stop it with SIGINT after `minutes`; record the steps reached."""
    shutil.rmtree(run, ignore_errors=True)
    config = os.path.join(folder, "config.json")
    with open(config, "w") as handle:
        json.dump(pipeline, handle, indent=2)
    command = [sys.executable, "-m", "tunablecnn.train", "--pipeline-config", config, "--model-directory", run]
    print("$", " ".join(command), f"  # stopped after {minutes:g} min", flush=True)
    start = time.perf_counter()
    # A script started in the background inherits an ignored SIGINT: give the trainer the default back.
    process = subprocess.Popen(command, preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    try:
        process.wait(timeout=minutes * 60)
    except subprocess.TimeoutExpired:
        process.send_signal(signal.SIGINT)
        process.wait()
    elapsed = time.perf_counter() - start
    latest = CheckpointStore.latest_in(os.path.join(run, "checkpoints"))
    if latest is None:
        sys.exit(f"training {config} stopped (exit status {process.returncode}) before its first checkpoint")
    step = CheckpointStore.read_state(latest)["global_step"]
    with open(os.path.join(folder, "training.json"), "w") as handle:
        json.dump({"minutes": minutes, "seconds": elapsed, "steps": step}, handle)


def _markdown(rows, args):
    sigmas = SIGMAS.split(",")
    lines = [f"# Backbone families at equal CPU time ({args.minutes:g} minutes of training each)", "",
             f"{os.path.basename(os.path.normpath(args.dataset))} PSNR dB (blind models, one pass), each family's example config trained from scratch for "
             f"the same wall-clock time (start-up, validations and checkpoints included) on one machine with nothing else running. Command: "
             f"`python benchmarks/family_comparison.py --minutes {args.minutes:g} --families {args.families}`.", "",
             "| family | config (changes) | " + " | ".join(f"σ={s}" for s in sigmas)
             + " | parameters | FLOPs/pixel | steps reached | minutes |",
             "|---|---|" + "---:|" * (len(sigmas) + 4)]
    for name, row in sorted(rows.items(), key=lambda item: -item[1]["psnr"]["25"]):
        changes = "".join(f", {k}={v}" for k, v in row["changes"].items())
        lines.append(f"| {name} | `{row['config']}`{changes} | " + " | ".join(f"{row['psnr'][s]:.2f}" for s in sigmas)
                     + f" | {row['parameters']:,} | {row['flops_per_pixel']:,.0f} | {row['steps']:,} | "
                     + f"{row['seconds'] / 60:.1f} |")
    return "\n".join(lines) + "\n"


def _parser():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--minutes", type=float, default=5.0, help="wall-clock training budget per family (default 5)")
    parser.add_argument("--families", default=",".join(FAMILIES), help=f"comma list from {', '.join(FAMILIES)}")
    parser.add_argument("--dataset", default="../shared/data/BSD68")
    parser.add_argument("--runs", default="runs/family_comparison", help="one folder per family")
    parser.add_argument("--output", default="reports/families/families", help="writes OUTPUT.json and OUTPUT.md")
    return parser


if __name__ == "__main__":
    main()
