"""Modulation study: tunable models that share one base, against dedicated models of that base.

    python benchmarks/modulation_study.py --tunable exported/adafm-unet24-gray-15-50 \
        --tunable exported/ftn-unet24-gray-15-50 --tunable exported/dni-unet24-gray-15-50 \
        --dedicated exported/dedicated-unet24-gray-25 --dedicated exported/dedicated-unet24-gray-35 \
        --output reports/modulation-unet24 [--record-metrics]

Runs `python -m tunablecnn.evaluate` on the dataset (default BSD68) for each model (tunable
ones on the --alphas grid and at their calibrated alpha; blind dedicated ones once per sigma)
into OUTPUT/<model name>/ (skipped when that folder already holds results.json: delete it to
re-evaluate), then writes OUTPUT/study.md and OUTPUT/study.json with:

- modulation curves: PSNR against alpha at each sigma, per method;
- the modulation gap: each method's calibrated-alpha PSNR against the dedicated model trained
  at that sigma (the sigma is read from the dedicated model's pipeline.json);
- cost against the base network: parameters, FLOPs per pixel and TFLite float32 latency
  (`model.tflite`, converted here for a folder shipped without it; --size x --size, median of --repeats rounds that
  time every model in turn, 1 and 2 threads, so the ratios are comparable); the first dedicated model is the base network;
- linearity of the calibration (best alpha against sigma, measured at export on held-out
  images): the largest distance of alpha from the straight line between the two ends, and R^2;
- the published reference beside ours: FTN's paper (Table 2, CBSD68 colour, sigma 20 -> 80)
  gives each method's gap to a dedicated model at the unseen level sigma 40.

"""

import argparse
import json
import os
import sys

import numpy as np

from tunablecnn import build_model, load_pipeline
from tunablecnn.evaluate.__main__ import main as evaluate_main
from tunablecnn.evaluate.run import model_metrics
from tunablecnn.export import convert_to_tflite, uint8_serving_function
from tunablecnn.inference import TFLiteRunner
from tunablecnn.model_folder import read_metadata, record_metrics
from tunablecnn.train.checkpoints import load_weights, resolve_weights

from tunable_latency import time_interleaved  # benchmarks/, beside this script: the one timing loop

# Lee et al. 2020 (arXiv 2010.02270), Table 2: CBSD68, modulation sigma 20 -> 80, PSNR at the
# unseen level sigma 40; "dedicated" is their model trained from scratch at sigma 40. The paper
# lists no Dynamic-Net row.
PUBLISHED_SIGMA40 = {"dedicated": 28.90, "ftn": 28.78, "cfsnet": 28.41, "dni": 28.20, "adafm": 28.17}


def main():
    args = _parser().parse_args()
    folders = args.tunable + args.dedicated
    results = [evaluation(folder, args) for folder in folders]
    study = {
        "dataset": results[0]["dataset"], "images": results[0]["images"], "sigmas": results[0]["sigmas"],
        "latency_size": args.size,
        "curves": curves([row for r in results for row in r["summary"]], args.tunable),
        "gap": gaps([row for r in results for row in r["summary"]], args.tunable, args.dedicated),
        "cost": costs(folders, args.size, args.repeats),
        "linearity": {_name(f): linearity(read_metadata(f)["tunable"]) for f in args.tunable},
        "method": {_name(f): _pipeline(f)["tunable"]["type"] for f in args.tunable},
    }
    with open(os.path.join(args.output, "study.json"), "w") as handle:
        json.dump(study, handle, indent=2)
    report = markdown(study, args)
    with open(os.path.join(args.output, "study.md"), "w") as handle:
        handle.write(report)
    print(report)


def evaluation(folder, args):
    """The evaluate command's results.json for one model, in OUTPUT/<name>/ (reused when present)."""
    output = os.path.join(args.output, _name(folder))
    results = os.path.join(output, "results.json")
    if not os.path.isfile(results):
        command = ["--model", folder, "--dataset", args.dataset, "--alphas", args.alphas, "--calibrated", "--output", output]
        command += ["--max-images", str(args.max_images)] if args.max_images else []
        if evaluate_main(command) != 0:
            sys.exit(f"evaluation of {folder} failed")
    with open(results) as handle:
        loaded = json.load(handle)
    if args.record_metrics:
        dataset = os.path.basename(os.path.normpath(args.dataset))
        note = {"seed": loaded["seed"], "max_images": args.max_images, "command": "benchmarks/modulation_study.py"}
        record_metrics(folder, dataset, {**note, "sigmas": model_metrics(loaded["summary"], _name(folder))})
    return loaded


def curves(summary, tunable):
    """{method: {sigma: {"grid": {alpha: psnr}, "calibrated": (alpha, psnr)}}}."""
    table = {}
    for row in summary:
        name = row["method"]
        if name not in map(_name, tunable):
            continue
        entry = table.setdefault(name, {}).setdefault(f"{row['sigma']:g}", {"grid": {}})
        if row["setting"] == "grid":
            entry["grid"][f"{row['alpha']:g}"] = row["psnr"]
        else:
            entry["calibrated"] = [row["alpha"], row["psnr"]]
    return table


def gaps(summary, tunable, dedicated):
    """[{sigma, dedicated, dedicated_psnr, methods: {name: calibrated psnr}}] for each dedicated model."""
    rows = []
    for folder in dedicated:
        sigma = _training_sigma(folder)
        own = [r["psnr"] for r in summary if r["method"] == _name(folder) and r["sigma"] == sigma]
        if not own:
            continue
        methods = {r["method"]: r["psnr"] for r in summary
                   if r["method"] in map(_name, tunable) and r["setting"] == "calibrated" and r["sigma"] == sigma}
        rows.append({"sigma": sigma, "dedicated": _name(folder), "dedicated_psnr": own[0], "methods": methods})
    return rows


def costs(folders, size, repeats):
    """Parameters, FLOPs per pixel and TFLite latency of every folder's model.tflite (timed interleaved)."""
    image = np.random.default_rng(1).integers(0, 256, (1, size, size, 1)).astype("uint8")
    inputs, table = {}, {}
    for folder in folders:
        metadata = read_metadata(folder)
        inputs[folder] = {"image": image, **({"alpha": np.full((1, 1), 0.5, "float32")} if metadata["tunable"] else {})}
        table[_name(folder)] = {"parameters": metadata["model"]["parameters"],
                                "flops_per_pixel": metadata["model"]["flops_per_pixel"], "latency_ms": {}}
    files = {folder: _tflite(folder) for folder in folders}
    for threads in (1, 2):
        calls = {folder: (TFLiteRunner(files[folder], num_threads=threads), inputs[folder]) for folder in folders}
        for folder, seconds in time_interleaved(calls, repeats).items():
            table[_name(folder)]["latency_ms"][f"{threads}"] = 1000 * seconds
    return table


def _tflite(folder):
    """The folder's model.tflite, or (for a model shipped without it) the same file converted here."""
    path = os.path.join(folder, "model.tflite")
    if os.path.isfile(path):
        return path
    model = build_model(load_pipeline(os.path.join(folder, "pipeline.json")))
    load_weights(model, resolve_weights(folder))
    return convert_to_tflite(uint8_serving_function(model, freeze=True))


def linearity(tunable):
    """How straight alpha(sigma) is over the trained range, start to end level (the calibration also
    holds levels below the start, at alpha < 0): the largest |alpha - line| (line through the two
    ends) and R^2 of a fit."""
    start, end = tunable["start"]["additional_noise"], tunable["end"]["additional_noise"]
    calibration = [row for row in tunable["calibration"] if start <= row["level"] <= end]
    sigma = np.array([row["level"] for row in calibration])
    alpha = np.array([row["alpha"] for row in calibration])
    line = (sigma - sigma[0]) / (sigma[-1] - sigma[0])
    fit = np.polyval(np.polyfit(sigma, alpha, 1), sigma)
    spread = np.sum((alpha - alpha.mean()) ** 2)
    r2 = 1.0 - np.sum((alpha - fit) ** 2) / spread if spread > 0 else float("nan")
    return {"max_distance_from_line": float(np.max(np.abs(alpha - line))), "r2": float(r2),
            "alphas": {f"{s:g}": float(a) for s, a in zip(sigma, alpha)}}


def markdown(study, args):
    names = list(study["curves"])
    base = _name(args.dedicated[0]) if args.dedicated else None
    lines = [f"# Modulation study on {study['dataset']}", "",
             f"PSNR dB, mean over {sum(len(v) for v in study['images'].values())} images, noise convention of reports/ "
             f"(see each model's report.md in the folder of its name beside this file). Command: `python benchmarks/{os.path.basename(__file__)} "
             + " ".join(f"--tunable {f}" for f in args.tunable) + " "
             + " ".join(f"--dedicated {f}" for f in args.dedicated) + f" --output {args.output}`", ""]
    lines += (_curve_tables(study, names) + _gap_table(study, names) + _published_table(study, names)
              + _cost_table(study, base) + _linearity_table(study))
    return "\n".join(lines) + "\n"


def _curve_tables(study, names):
    lines = ["## Modulation curves (PSNR against alpha)", ""]
    for sigma in (f"{s:g}" for s in study["sigmas"]):
        alphas = sorted({a for n in names for a in study["curves"][n][sigma]["grid"]}, key=float)
        lines += [f"sigma {sigma}:", "", "| method | " + " | ".join(f"α={a}" for a in alphas) + " | calibrated |",
                  "|---|" + "---:|" * (len(alphas) + 1)]
        for n in names:
            entry = study["curves"][n][sigma]
            best = max(entry["grid"].values())
            cells = [f"**{entry['grid'][a]:.2f}**" if entry["grid"][a] == best else f"{entry['grid'][a]:.2f}" for a in alphas]
            alpha, psnr = entry["calibrated"]
            lines.append(f"| {n} | " + " | ".join(cells) + f" | {psnr:.2f} (α={alpha:.2f}) |")
        lines.append("")
    return lines


def _gap_table(study, names):
    if not study["gap"]:
        return []
    lines = ["## Modulation gap: calibrated alpha against a dedicated model", "",
             "| sigma | dedicated | " + " | ".join(names) + " |", "|---|---:|" + "---:|" * len(names)]
    for row in study["gap"]:
        cells = [f"{row['methods'][n]:.2f} ({row['methods'][n] - row['dedicated_psnr']:+.2f})" for n in names if n in row["methods"]]
        lines.append(f"| {row['sigma']:g} | {row['dedicated_psnr']:.2f} ({row['dedicated']}) | " + " | ".join(cells) + " |")
    return lines + [""]


def _published_table(study, names):
    """Our gap at each dedicated sigma beside the paper's at sigma 40, one row per method."""
    lines = ["## Beside the published reference", "",
             "FTN's paper, Table 2 (CBSD68 colour, modulation sigma 20 -> 80, gap of each method to a model trained "
             f"from scratch at the unseen level sigma 40, whose PSNR is {PUBLISHED_SIGMA40['dedicated']:.2f} dB), "
             "beside our gaps (gray BSD68, 15 -> 50, one shared base). Different data and range: compare the gaps, "
             "not the PSNRs.", "",
             "| method | paper, sigma 40 | " + " | ".join(f"ours, sigma {row['sigma']:g}" for row in study["gap"]) + " |",
             "|---|---:|" + "---:|" * len(study["gap"])]
    for name in names:
        paper = PUBLISHED_SIGMA40.get(study["method"][name])
        cells = [f"{row['methods'][name] - row['dedicated_psnr']:+.2f}" if name in row["methods"] else "-" for row in study["gap"]]
        lines.append(f"| {name} | " + (f"{paper - PUBLISHED_SIGMA40['dedicated']:+.2f}" if paper else "not reported")
                     + " | " + " | ".join(cells) + " |")
    return lines + [""]


def _cost_table(study, base):
    lines = ["## Cost against the base network", "",
             f"TFLite float32 (`model.tflite`), one {study['latency_size']}x{study['latency_size']} image, median latency; "
             + (f"ratios to `{base}`, the base network without modulation." if base else
                "no dedicated model given (--dedicated), so no base network to take ratios to."), "",
             "| model | parameters | extra | FLOPs/pixel | ratio | 1 thread ms | ratio | 2 threads ms | ratio |",
             "|---|---:|---:|---:|---:|---:|---:|---:|---:|"]
    ref = study["cost"].get(base)
    for name, row in study["cost"].items():
        extra = f"{row['parameters'] - ref['parameters']:+,}" if ref else "-"
        ratio = lambda key, sub=None: (f"{_get(row, key, sub) / _get(ref, key, sub):.2f}x" if ref else "-")  # noqa: E731
        lines.append(f"| {name} | {row['parameters']:,} | {extra} | {row['flops_per_pixel']:,.0f} | {ratio('flops_per_pixel')} "
                     f"| {row['latency_ms']['1']:.0f} | {ratio('latency_ms', '1')} | {row['latency_ms']['2']:.0f} "
                     f"| {ratio('latency_ms', '2')} |")
    return lines + [""]


def _linearity_table(study):
    lines = ["## Linearity of the calibration (best alpha against sigma, held-out images)", "",
             "| method | " + " | ".join(f"σ={s}" for s in next(iter(study["linearity"].values()))["alphas"]) +
             " | max distance from the line | R² |", "|---|" + "---:|" * (len(next(iter(study["linearity"].values()))["alphas"]) + 2)]
    for name, row in study["linearity"].items():
        lines.append(f"| {name} | " + " | ".join(f"{a:.2f}" for a in row["alphas"].values())
                     + f" | {row['max_distance_from_line']:.2f} | {row['r2']:.3f} |")
    return lines + [""]


def _get(row, key, sub):
    return row[key][sub] if sub else row[key]


def _training_sigma(folder):
    return float(_pipeline(folder)["dataset"]["additional_noise"][0])


def _pipeline(folder):
    with open(os.path.join(folder, "pipeline.json")) as handle:
        return json.load(handle)


def _name(folder):
    return os.path.basename(os.path.normpath(folder))


def _parser():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tunable", action="append", required=True, metavar="FOLDER", help="exported tunable model")
    parser.add_argument("--dedicated", action="append", default=[], metavar="FOLDER",
                        help="exported blind model trained at one sigma (the first one is the base for the cost ratios)")
    parser.add_argument("--dataset", default="../shared/data/BSD68")
    parser.add_argument("--alphas", default="0:1:0.25")
    parser.add_argument("--max-images", type=int)
    parser.add_argument("--size", type=int, default=512, help="latency image side (default 512)")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--output", required=True)
    parser.add_argument("--record-metrics", action="store_true",
                        help="store each model's scores in its metadata.json (metrics.<dataset>), as evaluate does")
    return parser


if __name__ == "__main__":
    main()
