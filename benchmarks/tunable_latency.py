"""TFLite latency of tunable models against their base model (ai-edge-litert, XNNPACK, float32).

    python benchmarks/tunable_latency.py [--pipeline-config P] [--size 512] [--repeats 5] [--variants a,b,...]
        [--output results.json]

Builds the pipeline's model without modulation and with AdaFM (3x3 and 1x1 modulation filters),
FTN and DNI (placement from the config's `tunable` section, default `blocks`); for a U-Net
also each method modulating only the coarser levels (`tunable.from_level`: the `_from1`,
`_from2`, ... rows) and DNI with a low-rank difference (`tunable.rank` 4 and 8: the `dni_r4`,
`dni_r8` rows, alone and with from_level). --variants times only the rows named (the base model
always). Gives the modulation random non-zero weights (so nothing folds away), converts each to
TFLite and times one image of size x size at 1 and 2 threads (median of --repeats rounds after
one warm-up; each round times every model once, in turn). Prints a markdown table with each
tunable/base ratio and writes the numbers as JSON.
"""

import argparse
import json
import os
import platform
import statistics
import time

import numpy as np

from tunablecnn import build_model, load_pipeline
from tunablecnn.config import config_path
from tunablecnn.export import convert_to_tflite, float_serving_function
from tunablecnn.inference import TFLiteRunner
from tunablecnn.models.tunable import modulation_weights

LEVELS = {"start": {"additional_noise": 15}, "end": {"additional_noise": 50}}


def build_variants(pipeline, placement, names=None):
    """{name: model}: the base model and each tunable variant (only `names`, if given)."""
    base = {k: v for k, v in pipeline.items() if k != "tunable"}
    variants = {"base": build_model(load_pipeline(base))}
    rng = np.random.default_rng(0)
    sections = tunable_sections(placement, pipeline["model"])
    unknown = sorted(set(names or ()) - set(sections))
    if unknown:
        raise SystemExit(f"--variants: unknown {', '.join(unknown)}; choose from {', '.join(sections)}")
    for name, tunable in sections.items():
        if names is not None and name not in names:
            continue
        model = build_model(load_pipeline({**base, "tunable": tunable}))
        for v in modulation_weights(model):
            v.assign(v.numpy() + 0.01 * rng.normal(size=v.shape).astype("float32"))
        variants[name] = model
    return variants


def tunable_sections(placement, model):
    """{row name: tunable section}: AdaFM 3x3 and 1x1, FTN, DNI, low-rank DNI; U-Net: each from coarser levels."""
    sections = {f"adafm_k{k}": {"type": "adafm", "kernel_size": k} for k in (3, 1)}
    if model["type"] == "unet":
        sections.update({f"adafm_k{k}_from{level}": {"type": "adafm", "kernel_size": k, "from_level": level}
                         for k in (3, 1) for level in range(1, min(model["depth"], 2) + 1)})
    sections.update({method: {"type": method} for method in ("ftn", "dni")})
    sections.update({f"dni_r{rank}": {"type": "dni", "rank": rank} for rank in (4, 8)})
    if model["type"] == "unet":
        sections.update({f"{name}_from{level}": {**sections[name], "from_level": level}
                         for name in ("ftn", "dni", "dni_r4", "dni_r8") for level in range(1, model["depth"] + 1)})
    return {name: {**section, "placement": placement, **LEVELS} for name, section in sections.items()}


def write_results(output, result, report):
    """Write `result` as OUTPUT.json and the markdown `report` as OUTPUT.md, then print the report."""
    os.makedirs(os.path.dirname(output) or os.curdir, exist_ok=True)
    with open(output + ".json", "w") as handle:
        json.dump(result, handle, indent=2)
    with open(output + ".md", "w") as handle:
        handle.write(report)
    print(report)


def time_runner(runner, inputs, repeats):
    """Median seconds of `runner(**inputs)` over `repeats` runs after one warm-up."""
    return time_interleaved({"model": (runner, inputs)}, repeats)["model"]


def time_interleaved(calls, repeats):
    """{name: median seconds} of `calls` ({name: (runner, inputs)}), timed in turn round by round.

    Interleaving spreads the shared machine's slow spells over every model, so the ratios
    between them hold better than when each model is timed in one block.
    """
    for runner, inputs in calls.values():
        runner(**inputs)  # warm-up: allocation and XNNPACK packing
    times = {name: [] for name in calls}
    for _ in range(repeats):
        for name, (runner, inputs) in calls.items():
            start = time.perf_counter()
            runner(**inputs)
            times[name].append(time.perf_counter() - start)
    return {name: statistics.median(values) for name, values in times.items()}


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pipeline-config", default=config_path("resnet_gray.json"))
    parser.add_argument("--size", type=int, default=512)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--variants", help="comma list of rows to time beside the base model (default: every row)")
    parser.add_argument("--output", help="write the results as JSON here")
    args = parser.parse_args()
    pipeline = load_pipeline(args.pipeline_config)
    placement = pipeline["tunable"]["placement"] if "tunable" in pipeline else "blocks"
    channels = pipeline["model"]["input_shape"][2]
    image = np.random.default_rng(1).random((1, args.size, args.size, channels)).astype("float32")
    flatbuffers = {}
    names = args.variants.split(",") if args.variants else None
    for name, model in build_variants(pipeline, placement, names).items():
        flatbuffers[name] = convert_to_tflite(float_serving_function(model, freeze=True))
        print(f"converted {name}", flush=True)
    results = {name: {} for name in flatbuffers}
    for threads in (1, 2):
        calls = {name: (TFLiteRunner(flatbuffer, num_threads=threads),
                        {"image": image} if name == "base" else {"image": image, "alpha": np.full((1, 1), 0.5, "float32")})
                 for name, flatbuffer in flatbuffers.items()}
        for name, seconds in time_interleaved(calls, args.repeats).items():
            results[name][f"{threads}_threads_ms"] = 1000 * seconds
    print_table(results, args)
    if args.output:
        meta = {"pipeline": args.pipeline_config, "size": args.size, "placement": placement, "machine": platform.processor() or platform.machine()}
        with open(args.output, "w") as handle:
            json.dump({"settings": meta, "results": results}, handle, indent=2)


def print_table(results, args):
    base = results["base"]
    print(f"\nTFLite float32 latency, {args.size}x{args.size}, median of {args.repeats} ({args.pipeline_config})\n")
    print("| model | 1 thread ms | ratio | 2 threads ms | ratio |\n|---|---:|---:|---:|---:|")
    for name, row in results.items():
        one, two = row["1_threads_ms"], row["2_threads_ms"]
        print(f"| {name} | {one:.1f} | {one / base['1_threads_ms']:.2f}x | {two:.1f} | {two / base['2_threads_ms']:.2f}x |")


if __name__ == "__main__":
    main()
