"""What the builtin-ops-only rule means for a .tflite file, read from its op list."""

import re

from ai_edge_litert.interpreter import Interpreter, OpResolverType

CONVOLUTIONS = ("CONV_2D", "DEPTHWISE_CONV_2D")
RESOURCE_OPS = {"VAR_HANDLE", "READ_VARIABLE", "ASSIGN_VARIABLE"}


def op_report(model):
    """`(op names, indices of convolutions whose filter is computed at run time)` of a file or flatbuffer."""
    source = {"model_content": model} if isinstance(model, bytes) else {"model_path": str(model)}
    # Without the XNNPACK delegate, so the list shows the file's own ops rather than DELEGATE nodes.
    interpreter = Interpreter(**source, experimental_op_resolver_type=OpResolverType.BUILTIN_WITHOUT_DEFAULT_DELEGATES)
    ops = interpreter._get_ops_details()
    computed = {t for op in ops for t in op["outputs"]} | {d["index"] for d in interpreter.get_input_details()}
    runtime_filters = [op["index"] for op in ops if op["op_name"] in CONVOLUTIONS and op["inputs"][1] in computed]
    return {op["op_name"] for op in ops}, runtime_filters


def assert_builtin_ops_with_constant_kernels(model):
    names, runtime_filters = op_report(model)
    assert "CONV_2D" in names
    # Builtin ops are named like CONV_2D; Flex ops (FlexConv2D) and custom ops keep their own names.
    assert all(re.fullmatch(r"[A-Z][A-Z0-9_]*", name) for name in names), sorted(names)
    assert not names & ({"CUSTOM", "DELEGATE"} | RESOURCE_OPS), sorted(names)
    assert runtime_filters == [], f"convolutions {runtime_filters} compute their filter at run time"
