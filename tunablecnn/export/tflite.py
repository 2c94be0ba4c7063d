"""TFLite conversion (builtin ops only) and inference with ai-edge-litert."""

import numpy as np
import tensorflow as tf

QUANTIZATIONS = ("none", "float16", "dynamic")


def convert_to_tflite(serving_function, *, quantize="none"):
    """Convert a serving `tf.function` to a TFLite flatbuffer (bytes) using builtin ops only.

    Weights are constants in the converted graph, so kernel arithmetic such as FTN's
    `FTN(W) - W` is folded at conversion: the file holds static kernels only.
    """
    _check_quantize(quantize)
    concrete = serving_function.get_concrete_function()
    converter = tf.lite.TFLiteConverter.from_concrete_functions([concrete], serving_function)
    return _convert(converter, quantize)


def _check_quantize(quantize):
    if quantize not in QUANTIZATIONS:
        raise ValueError(f"Expected quantize in {QUANTIZATIONS}. Received: quantize={quantize!r}")


def _convert(converter, quantize):
    converter.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS]
    if quantize != "none":
        converter.optimizations = [tf.lite.Optimize.DEFAULT]
    if quantize == "float16":
        converter.target_spec.supported_types = [tf.float16]
    return converter.convert()


class TFLiteRunner:
    """Runs a TFLite model with dynamic input sizes through ai-edge-litert.

    Inputs are matched by name (`image`, `alpha`), so the argument order of the flatbuffer
    does not matter. The interpreter is re-allocated only when input shapes change.
    """

    def __init__(self, model, *, num_threads=None):
        from ai_edge_litert.interpreter import Interpreter  # optional dependency: the `tflite` extra

        source = {"model_content": model} if isinstance(model, bytes) else {"model_path": str(model)}
        self.interpreter = Interpreter(**source, num_threads=num_threads)
        self.inputs = {_short_name(d["name"]): d for d in self.interpreter.get_input_details()}
        self._shapes = None

    def __call__(self, **arrays):
        missing = set(self.inputs) - set(arrays)
        if missing:
            raise ValueError(f"Missing TFLite inputs {sorted(missing)}; the model takes {sorted(self.inputs)}")
        shapes = {name: tuple(np.shape(a)) for name, a in arrays.items()}
        if shapes != self._shapes:
            for name, detail in self.inputs.items():
                self.interpreter.resize_tensor_input(detail["index"], shapes[name])
            self.interpreter.allocate_tensors()
            self._shapes = shapes
        for name, detail in self.inputs.items():
            self.interpreter.set_tensor(detail["index"], np.asarray(arrays[name], dtype=detail["dtype"]))
        self.interpreter.invoke()
        output = self.interpreter.get_output_details()[0]
        return self.interpreter.get_tensor(output["index"])


def _short_name(name):
    # Converted inputs are named like "serving_default_image:0" or "image".
    for known in ("alpha", "image"):
        if known in name:
            return known
    return name
