"""Where does a TFLite file spend its time? Op-by-op timing of one signature.

    python benchmarks/op_profile.py exported/adafm-unet24-gray-15-50/model.tflite \
        --size 512 --output benchmarks/results/op_profile_unet24

The Python interpreter has no per-op profiler, so this times each operator alone: the signature's
subgraph is run once on a random image (alpha 0.5) with every tensor kept, then every operator is
cut out into a one-op model of its own (its constant inputs and their buffers, its other inputs as
model inputs fed with the values they had in the full run) and timed by the same interpreter
(XNNPACK where it applies, --repeats runs after a warm-up, median), at 1 and 2 threads. The sum of
the ops beside the whole graph's time says how well the sum explains it (each op timed alone
misses what fusion between ops saves and adds its own call overhead). With `--baseline OTHER.tflite`
(the same network exported another way) both whole graphs are also timed in turn, round by
round, so their ratio holds on a shared machine. Writes OUTPUT.md (time per op type, the slowest
single ops) and OUTPUT.json.

Made for this package's exported files: the input whose name holds "image" gets the image (1 or 3
channels), every other input is [1, 1] (alpha); ops that call other subgraphs (WHILE, IF) are not
supported.
"""

import argparse
import collections
import copy

import numpy as np
from ai_edge_litert.interpreter import Interpreter, OpResolverType
from tensorflow.lite.python import schema_py_generated as schema
from tensorflow.lite.tools import flatbuffer_utils

from tunable_latency import time_interleaved, write_results  # benchmarks/, beside this script

OP_NAMES = {code: name for name, code in vars(schema.BuiltinOperator).items() if not name.startswith("_")}


def main():
    args = _parser().parse_args()
    model = _signature_model(flatbuffer_utils.read_model(args.tflite), args.signature)
    values = _run_keeping_tensors(model, args.size)
    roles, rows = _roles(model), {}
    for threads in (1, 2):
        whole = _median(_interpreter(model, None, threads, values), args.repeats)
        ops = []
        for i in range(len(model.subgraphs[0].operators)):
            one_op, original = _one_op_model(model, i)
            ops.append((i, _median(_interpreter(one_op, original, threads, values), args.repeats)))
        rows[f"{threads}_threads"] = {"whole_seconds": whole, "ops": [
            {"index": i, "type": _op_name(model, i), "role": roles[i], "seconds": s,
             "output_shape": _output_shape(model, i, values)}
            for i, s in ops]}
        if args.baseline:
            rows[f"{threads}_threads"]["against_baseline"] = _interleaved(model, args, threads, values)
    result = {"tflite": args.tflite, "signature": args.signature, "size": args.size, "repeats": args.repeats,
              "rows": rows}
    write_results(args.output, result, markdown(result))


def _roles(model):
    """{op index: role}: "AdaFM" for a depthwise convolution, the MUL by alpha of its output and
    the ADD of that product (`x + alpha * dw(x)`); "batch norm (not folded)" for any other MUL by a
    constant; "other <TYPE>" for the rest (convolutions, residual and skip sums, ...)."""
    graph, roles = model.subgraphs[0], {}
    producer = {t: i for i, op in enumerate(graph.operators) for t in op.outputs}
    for i, op in enumerate(graph.operators):
        name, inputs = _op_name(model, i), [t for t in op.inputs if t >= 0]
        made_by = [roles.get(producer[t]) if t in producer else None for t in inputs]
        follows_depthwise = any(t in producer and _op_name(model, producer[t]) == "DEPTHWISE_CONV_2D" for t in inputs)
        if name == "DEPTHWISE_CONV_2D" or (name == "MUL" and follows_depthwise) or (name == "ADD" and any(
                role == "AdaFM" and _op_name(model, producer[t]) == "MUL" for role, t in zip(made_by, inputs))):
            roles[i] = "AdaFM"
        elif name == "MUL" and any(_is_constant(model, t) for t in inputs):
            roles[i] = "batch norm (not folded)"
        else:
            roles[i] = f"other {name}"
    return roles


def _is_constant(model, tensor):
    data = model.buffers[model.subgraphs[0].tensors[tensor].buffer].data
    return data is not None and len(data) > 0


def _interleaved(model, args, threads, values):
    """{"seconds", "baseline_seconds"}: medians of both whole graphs timed in turn, `args.repeats` rounds."""
    baseline = _signature_model(flatbuffer_utils.read_model(args.baseline), args.signature)
    runs = {"file": _interpreter(model, None, threads, values),  # the same image: the same seed
            "baseline": _interpreter(baseline, None, threads, _run_keeping_tensors(baseline, args.size))}
    times = time_interleaved({name: (run.invoke, {}) for name, run in runs.items()}, args.repeats)
    return {"seconds": times["file"], "baseline_seconds": times["baseline"],
            "baseline": args.baseline}


def _signature_model(model, signature):
    """A copy of `model` holding only the subgraph of `signature`, as subgraph 0, without signatures."""
    keys = {s.signatureKey.decode() if isinstance(s.signatureKey, bytes) else s.signatureKey: s
            for s in model.signatureDefs}
    if signature not in keys:
        raise SystemExit(f"no signature {signature!r} in the file; it has {', '.join(sorted(keys))}")
    chosen = copy.copy(model)
    chosen.subgraphs = [model.subgraphs[keys[signature].subgraphIndex]]
    chosen.signatureDefs = []
    return chosen


def _run_keeping_tensors(model, size):
    """{tensor index: value} of every tensor after one run on a random image with alpha 0.5 (without
    XNNPACK, which would keep the tensors inside its partitions to itself)."""
    interpreter = Interpreter(model_content=_bytes(model), experimental_preserve_all_tensors=True,
                              experimental_op_resolver_type=OpResolverType.BUILTIN_WITHOUT_DEFAULT_DELEGATES)
    rng = np.random.default_rng(0)
    for detail in interpreter.get_input_details():
        shape = list(detail["shape_signature"])
        shape = [1, size, size, shape[-1]] if len(shape) == 4 and shape[-1] in (1, 3) and _is_image(detail) else [1, 1]
        interpreter.resize_tensor_input(detail["index"], shape)
    interpreter.allocate_tensors()
    for detail in interpreter.get_input_details():
        value = rng.random(detail["shape"]) * (255 if detail["dtype"] == np.uint8 else 1)
        if not _is_image(detail):
            value = np.full(detail["shape"], 0.5)
        interpreter.set_tensor(detail["index"], value.astype(detail["dtype"]))
    interpreter.invoke()
    return {detail["index"]: _value(interpreter, detail) for detail in interpreter.get_tensor_details()}


def _is_image(detail):
    return "image" in detail["name"]


def _value(interpreter, detail):
    """The tensor's value; zeros for the empty ones (a padding of width 0), which cannot be read."""
    try:
        return interpreter.get_tensor(detail["index"])
    except ValueError:
        return np.zeros(detail["shape"], detail["dtype"])


def _one_op_model(model, index):
    """(a model whose only operator is operator `index` of `model`, its inputs the op's non-constant
    inputs; {its tensor index: the full graph's tensor index})."""
    graph = model.subgraphs[0]
    op = copy.copy(graph.operators[index])
    used = [i for i in list(op.inputs) + list(op.outputs) if i >= 0]
    remap = {old: new for new, old in enumerate(dict.fromkeys(used))}
    buffers, tensors = [schema.BufferT()], []
    for old in remap:
        tensor = copy.copy(graph.tensors[old])
        if _is_constant(model, old):
            buffers.append(model.buffers[tensor.buffer])
            tensor.buffer = len(buffers) - 1
        else:
            tensor.buffer = 0
        tensors.append(tensor)
    op.inputs = [remap[i] if i >= 0 else -1 for i in op.inputs]
    op.outputs = [remap[i] for i in op.outputs]
    one = copy.copy(model)
    one.buffers, one.signatureDefs, one.metadata = buffers, [], None  # metadata points at dropped buffers
    sub = schema.SubGraphT()
    sub.tensors, sub.operators = tensors, [op]
    computed = [i for i in dict.fromkeys(graph.operators[index].inputs) if i >= 0 and tensors[remap[i]].buffer == 0]
    sub.inputs = [remap[i] for i in computed]
    sub.outputs = list(op.outputs)
    sub.name = graph.name
    one.subgraphs = [sub]
    return one, {new: old for old, new in remap.items()}


def _interpreter(model, original, threads, values):
    """A ready interpreter for `model` with its inputs set from `values` (the full graph's tensors,
    found through `original`, None when `model` is the full graph)."""
    interpreter = Interpreter(model_content=_bytes(model), num_threads=threads)
    inputs = interpreter.get_input_details()
    for detail in inputs:
        interpreter.resize_tensor_input(detail["index"], values[_full_index(original, detail["index"])].shape)
    interpreter.allocate_tensors()
    for detail in inputs:
        interpreter.set_tensor(detail["index"], values[_full_index(original, detail["index"])])
    return interpreter


def _full_index(original, index):
    return index if original is None else original[index]


def _median(interpreter, repeats):
    """Median seconds of one invoke over `repeats` runs after a warm-up (XNNPACK packs weights on the first)."""
    return time_interleaved({"run": (interpreter.invoke, {})}, repeats)["run"]


def _bytes(model):
    return bytes(flatbuffer_utils.convert_object_to_bytearray(model))


def _op_name(model, index):
    code = model.operatorCodes[model.subgraphs[0].operators[index].opcodeIndex]
    return OP_NAMES.get(max(code.builtinCode, code.deprecatedBuiltinCode), str(code.builtinCode))


def _output_shape(model, index, values):
    output = model.subgraphs[0].operators[index].outputs[0]
    return list(values[output].shape) if output in values else None


def markdown(result):
    lines = [f"# Op-by-op timing: {result['tflite']} ({result['signature']})", "",
             f"{result['size']}x{result['size']} image, alpha 0.5; each op timed alone in a one-op model, "
             f"median of {result['repeats']}; `python benchmarks/op_profile.py` (docstring).", ""]
    for key, row in result["rows"].items():
        total = sum(op["seconds"] for op in row["ops"])
        lines += [f"## {key.replace('_', ' ').replace('1 threads', '1 thread')}", "",
                  f"Whole graph {row['whole_seconds'] * 1e3:.1f} ms; sum of the ops timed alone "
                  f"{total * 1e3:.1f} ms ({total / row['whole_seconds']:.2f}x).", ""]
        if "against_baseline" in row:
            against = row["against_baseline"]
            ratio = against["seconds"] / against["baseline_seconds"]
            lines += [(f"Timed in turn with {against['baseline']}: {against['seconds'] * 1e3:.1f} ms against "
                       f"{against['baseline_seconds'] * 1e3:.1f} ms ({ratio:.2f}x)."), ""]
        for field in ("type", "role"):
            lines += [f"| op {field} | count | ms | share of the sum |", "|---|---:|---:|---:|"]
            lines += _grouped(row["ops"], field, total) + [""]
        lines += ["Slowest single ops:", "", "| op | type | output shape | ms |", "|---:|---|---|---:|"]
        for op in sorted(row["ops"], key=lambda op: -op["seconds"])[:12]:
            lines.append(f"| {op['index']} | {op['type']} | {op['output_shape']} | {op['seconds'] * 1e3:.2f} |")
        lines.append("")
    return "\n".join(lines)


def _grouped(ops, field, total):
    """Table rows: count and time of the ops per value of `field`, slowest first."""
    groups = collections.defaultdict(lambda: [0, 0.0])
    for op in ops:
        groups[op[field]][0] += 1
        groups[op[field]][1] += op["seconds"]
    return [f"| {name} | {count} | {seconds * 1e3:.1f} | {seconds / total:.1%} |"
            for name, (count, seconds) in sorted(groups.items(), key=lambda item: -item[1][1])]


def _parser():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("tflite", help="a .tflite file exported by tunablecnn (signature serving_default)")
    parser.add_argument("--signature", default="serving_default")
    parser.add_argument("--baseline", metavar="OTHER.tflite",
                        help="also time this file's whole graph, in turn with TFLITE")
    parser.add_argument("--size", type=int, default=512)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--output", default="benchmarks/results/op_profile")
    return parser


if __name__ == "__main__":
    main()
