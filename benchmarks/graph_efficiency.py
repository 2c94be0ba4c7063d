"""How efficiently does the whole TFLite graph run, against a plain 3x3 convolution of the same width?

    python benchmarks/graph_efficiency.py --pipeline-config tunablecnn/configs/adafm_unet24_gray_15_50.json \
        --output benchmarks/results/graph_efficiency_unet24

Efficiency = (the model's FLOPs per second) / (the FLOPs per second of one bias-free 3x3
convolution from `filters` to `filters` channels on the same image size), both TFLite float32
through XNNPACK, timed in the same run (median of --repeats after a warm-up, 1 and 2 threads).
The model's FLOPs are `tunablecnn.models.cost.model_cost` (convolutions only, as exported), so
everything else the graph does (padding, cropping, pixel shuffle, batch norm, activations, the
alpha blend, the uint8 conversion is not in the float file) shows as lost efficiency; 1.0 means
the graph runs at the speed of its convolutions. Rows: the base network (no modulation) and the
pipeline's tunable model with random non-zero modulation weights. Writes OUTPUT.md and OUTPUT.json.
"""

import argparse

import keras
import numpy as np

from tunablecnn import load_pipeline
from tunablecnn.export import convert_to_tflite, float_serving_function
from tunablecnn.inference import TFLiteRunner
from tunablecnn.models.cost import model_cost

from tunable_latency import build_variants, time_runner, write_results  # benchmarks/, beside this script


def main():
    args = _parser().parse_args()
    pipeline = load_pipeline(args.pipeline_config)
    filters, channels = pipeline["model"]["filters"], pipeline["model"]["input_shape"][2]
    tunable = pipeline.get("tunable", {})
    method = {"adafm": f"adafm_k{tunable.get('kernel_size', 3)}"}.get(tunable.get("type"), tunable.get("type"))
    variants = build_variants(pipeline, tunable.get("placement", "blocks"), [method] if method else [])
    models = {"base": variants["base"], **({method: variants[method]} if method else {})}
    flops = {"base": model_cost({k: v for k, v in pipeline.items() if k != "tunable"})["flops_per_pixel"]}
    if method:
        flops[method] = model_cost(pipeline)["flops_per_pixel"]
    pixels = args.size**2
    rows = {}
    for threads in (1, 2):
        reference = _time(_reference_conv(filters), {"image": _image(args.size, filters)}, threads, args.repeats)
        reference_rate = 2 * 9 * filters * filters * pixels / reference
        for name, model in models.items():
            inputs = {"image": _image(args.size, channels)}
            if name != "base":
                inputs["alpha"] = np.full((1, 1), 0.5, np.float32)
            seconds = _time(model, inputs, threads, args.repeats)
            rows.setdefault(name, {"flops_per_pixel": flops[name]})[f"{threads}_threads"] = {
                "seconds": seconds, "gflops_per_second": flops[name] * pixels / seconds / 1e9,
                "reference_gflops_per_second": reference_rate / 1e9,
                "efficiency": flops[name] * pixels / seconds / reference_rate}
    result = {"pipeline": args.pipeline_config, "size": args.size, "repeats": args.repeats, "filters": filters,
              "rows": rows}
    write_results(args.output, result, markdown(result))


def _reference_conv(filters):
    inputs = keras.Input((None, None, filters))
    return keras.Model(inputs, keras.layers.Conv2D(filters, 3, padding="same", use_bias=False)(inputs))


def _image(size, channels):
    return np.random.default_rng(1).random((1, size, size, channels)).astype(np.float32)


def _time(model, inputs, threads, repeats):
    runner = TFLiteRunner(convert_to_tflite(float_serving_function(model, freeze=True)), num_threads=threads)
    return time_runner(runner, inputs, repeats)


def markdown(result):
    lines = [f"# Graph efficiency: {result['pipeline']}", "",
             f"TFLite float32, {result['size']}x{result['size']}, median of {result['repeats']}; reference: one 3x3 "
             f"convolution {result['filters']} -> {result['filters']} channels, same size, same run.", "",
             "| model | FLOPs/pixel | threads | seconds | GFLOP/s | reference GFLOP/s | efficiency |",
             "|---|---:|---:|---:|---:|---:|---:|"]
    for name, row in result["rows"].items():
        for threads in (1, 2):
            cell = row[f"{threads}_threads"]
            lines.append(f"| {name} | {row['flops_per_pixel']:,.0f} | {threads} | {cell['seconds']:.3f} | "
                         f"{cell['gflops_per_second']:.1f} | {cell['reference_gflops_per_second']:.1f} | "
                         f"{cell['efficiency']:.2f} |")
    return "\n".join(lines) + "\n"


def _parser():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pipeline-config", default="tunablecnn/configs/adafm_unet24_gray_15_50.json")
    parser.add_argument("--size", type=int, default=512)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--output", default="benchmarks/results/graph_efficiency_unet24")
    return parser


if __name__ == "__main__":
    main()
