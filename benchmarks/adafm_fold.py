"""Can AdaFM's modulation fold into one depthwise convolution in TFLite? Timed against the unfolded form.

    python benchmarks/adafm_fold.py [--size 512] [--channels 24] [--repeats 15]
        [--output benchmarks/results/adafm_fold]

The exported AdaFM layer computes `x + alpha * dw(x, K)` (a depthwise pass, a MUL and an ADD over
the feature map). The same result is one depthwise convolution with the filter `I + alpha * K`
(I: 1 at the centre tap), but that filter depends on the run-time alpha. Three one-layer TFLite
float32 files, timed in turn round by round (median of --repeats after a warm-up, 1 and 2
threads): unfolded, folded, and the depthwise convolution alone with a constant filter (the floor).
Writes OUTPUT.md and OUTPUT.json.
"""

import argparse

import numpy as np
import tensorflow as tf
from ai_edge_litert.interpreter import Interpreter

from tunable_latency import time_interleaved, write_results  # benchmarks/, beside this script


def forms(channels):
    """{name: tf.function(x [1, H, W, C], alpha [1, 1])}: the AdaFM layer unfolded and folded, and the floor."""
    kernel = tf.constant(np.random.default_rng(0).normal(0, 0.1, (3, 3, channels, 1)).astype(np.float32))
    identity = np.zeros((3, 3, channels, 1), np.float32)
    identity[1, 1] = 1.0
    spec = [tf.TensorSpec([1, None, None, channels]), tf.TensorSpec([1, 1])]

    def depthwise(x, k):
        return tf.nn.depthwise_conv2d(x, k, [1, 1, 1, 1], "SAME")

    def unfolded(x, alpha):
        return x + tf.reshape(alpha, [1, 1, 1, 1]) * depthwise(x, kernel)

    def folded(x, alpha):
        return depthwise(x, identity + tf.reshape(alpha, [1, 1, 1, 1]) * kernel)

    def floor(x, alpha):
        return depthwise(x, kernel)

    return {"unfolded: x + alpha * dw(x, K)": tf.function(unfolded, input_signature=spec),
            "folded: dw(x, I + alpha * K)": tf.function(folded, input_signature=spec),
            "depthwise alone, constant filter": tf.function(floor, input_signature=spec)}


def main():
    args = _parser().parse_args()
    x = np.random.default_rng(1).random((1, args.size, args.size, args.channels)).astype(np.float32)
    files = {name: _convert(function) for name, function in forms(args.channels).items()}
    rows = {}
    for threads in (1, 2):
        interpreters = {name: _ready(content, x, threads) for name, content in files.items()}
        outputs = {name: it.get_tensor(it.get_output_details()[0]["index"]) for name, it in interpreters.items()}
        unfolded, folded = (name for name in files if name.startswith(("unfolded", "folded")))
        calls = {name: (interpreter.invoke, {}) for name, interpreter in interpreters.items()}
        for name, seconds in time_interleaved(calls, args.repeats).items():
            rows.setdefault(name, {})[f"{threads}_threads_ms"] = seconds * 1e3
        rows[folded]["max_difference_to_unfolded"] = float(np.abs(outputs[folded] - outputs[unfolded]).max())
    result = {"size": args.size, "channels": args.channels, "repeats": args.repeats, "rows": rows}
    write_results(args.output, result, markdown(result))


def _convert(function):
    converter = tf.lite.TFLiteConverter.from_concrete_functions([function.get_concrete_function()], function)
    return converter.convert()


def _ready(content, x, threads):
    interpreter = Interpreter(model_content=content, num_threads=threads)
    image, alpha = sorted(interpreter.get_input_details(), key=lambda detail: -len(detail["shape"]))  # 4-D, then 2-D
    interpreter.resize_tensor_input(image["index"], x.shape)
    interpreter.allocate_tensors()
    interpreter.set_tensor(image["index"], x)
    interpreter.set_tensor(alpha["index"], np.full((1, 1), 0.5, np.float32))
    interpreter.invoke()  # the outputs, compared below
    return interpreter


def markdown(result):
    shape = f"{result['size']}x{result['size']}x{result['channels']}"
    lines = [f"# AdaFM folded into one depthwise convolution? {shape}", "",
             f"TFLite float32, median of {result['repeats']} rounds timed in turn; `python benchmarks/adafm_fold.py`.",
             "",
             "| form | 1 thread ms | 2 threads ms |", "|---|---:|---:|"]
    for name, row in result["rows"].items():
        lines.append(f"| {name} | {row['1_threads_ms']:.1f} | {row['2_threads_ms']:.1f} |")
    folded = next(row for row in result["rows"].values() if "max_difference_to_unfolded" in row)
    lines += ["", f"Folded against unfolded output: max difference {folded['max_difference_to_unfolded']:.1e}."]
    return "\n".join(lines) + "\n"


def _parser():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--size", type=int, default=512)
    parser.add_argument("--channels", type=int, default=24)
    parser.add_argument("--repeats", type=int, default=15)
    parser.add_argument("--output", default="benchmarks/results/adafm_fold")
    return parser


if __name__ == "__main__":
    main()
