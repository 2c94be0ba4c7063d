"""Training recipes at equal CPU time, from the flagship's base: what lifts a base that stopped rising (issue 12).

    python benchmarks/recipe_comparison.py [--minutes 8] [--recipes control,mse,patch128,more_data]
        [--runs runs/recipe_comparison] [--output reports/recipes/recipes]

The flagship's base network (the U-Net of adafm-unet24-gray-15-50 at alpha 0) stopped improving
under its recipe: 31.99-32.02 dB on its held-out images over its last 5,500 steps. Each recipe here
fine-tunes that base (`train.initial_weights_match: base`, no tunable section) at sigma 15, its
base stage's noise, for the same wall-clock budget, with one change against `control` (MAE, 64x64
crops, batch 32, Train400, Adam 5e-5): `mse` (MSE loss), `patch128` (128x128 crops, batch 8: the
same pixels per step), `more_data` (Train400 and CBSD432 read as gray: 2.1x the images). Every
recipe costs the same per step, so equal time is also about equal steps (both reported). Each
run is exported and scored on --dataset (blind, one pass per sigma) by family_comparison.py's
engine (same budget rule: Ctrl-C after --minutes on a machine running nothing else). The
starting point scores 31.53 / 28.96 / 25.90 dB on BSD68 at sigma 15 / 25 / 50 at its
calibrated alphas (alpha 0 at 15; reports/bsd68, the re-exported adafm-unet24-gray-15-50 row):
the gain at sigma 15 is what a recipe buys the base.
Writes OUTPUT.json and OUTPUT.md and prints the table.
"""

import argparse
import os
import sys

from family_comparison import changed_pipeline, run_contender  # benchmarks/, beside this script
from tunable_latency import write_results

BASE = ("zoo_dedicated_unet24_gray_25.json", {  # the flagship's base network and warm start, at sigma 15
    "dataset.additional_noise": [15], "train.optimizer.learning_rate": 5e-5, "train.optimizer.decay_steps": 1_000_000})
RECIPES = {
    "control": {},
    "mse": {"loss.mae_multiplier": 0.0, "loss.mse_multiplier": 1.0},
    "patch128": {"dataset.input_shape": [128, 128], "dataset.batch_size": 8},
    "more_data": {"dataset.directory": ["../shared/data/Train400", "../shared/data/CBSD432"]},
}
SIGMAS = "15,25,50"


def main():
    args = _parser().parse_args()
    rows = {}
    for name in args.recipes.split(","):
        if name not in RECIPES:
            sys.exit(f"--recipes: unknown recipe {name!r}; choose from {', '.join(RECIPES)}")
        pipeline = changed_pipeline(BASE[0], {**BASE[1], **RECIPES[name]})
        rows[name] = {**run_contender(name, pipeline, args, SIGMAS), "changes": RECIPES[name]}
    result = {"minutes": args.minutes, "dataset": args.dataset, "sigmas": SIGMAS, "base": BASE, "recipes": rows}
    write_results(args.output, result, _markdown(rows, args))


def _markdown(rows, args):
    sigmas = SIGMAS.split(",")
    control = rows.get("control")
    lines = [f"# Training recipes at equal CPU time ({args.minutes:g} minutes each, from the flagship's base)", "",
             f"{os.path.basename(os.path.normpath(args.dataset))} PSNR dB (blind, one pass): the base of "
             "adafm-unet24-gray-15-50 fine-tuned at sigma 15 for the same wall-clock time with one change each "
             f"(`{BASE[0]}` with {BASE[1]}). Command: `python benchmarks/recipe_comparison.py --minutes "
             f"{args.minutes:g} --recipes {args.recipes}`. Start: 31.53 dB at sigma 15 (BSD68, reports/bsd68).", "",
             "| recipe | changes | " + " | ".join(f"σ={s}" for s in sigmas) + " | σ=15 vs control | steps | minutes |",
             "|---|---|" + "---:|" * (len(sigmas) + 3)]
    for name, row in sorted(rows.items(), key=lambda item: -item[1]["psnr"]["15"]):
        delta = "-" if control is None else f"{row['psnr']['15'] - control['psnr']['15']:+.2f}"
        changes = ", ".join(f"{k}={v}" for k, v in row["changes"].items()) or "-"
        lines.append(f"| {name} | {changes} | " + " | ".join(f"{row['psnr'][s]:.2f}" for s in sigmas)
                     + f" | {delta} | {row['steps']:,} | {row['seconds'] / 60:.1f} |")
    return "\n".join(lines) + "\n"


def _parser():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--minutes", type=float, default=8.0, help="wall-clock training budget per recipe (default 8)")
    parser.add_argument("--recipes", default=",".join(RECIPES), help=f"comma list from {', '.join(RECIPES)}")
    parser.add_argument("--dataset", default="../shared/data/BSD68")
    parser.add_argument("--runs", default="runs/recipe_comparison", help="one folder per recipe")
    parser.add_argument("--output", default="reports/recipes/recipes", help="writes OUTPUT.json and OUTPUT.md")
    return parser


if __name__ == "__main__":
    main()
