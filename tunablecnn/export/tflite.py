"""TFLite conversion (builtin ops only, `serving_default` signature) and inference with ai-edge-litert."""

import tempfile

import numpy as np
import tensorflow as tf

QUANTIZATIONS = ("none", "float16", "dynamic")
SIGNATURE_KEY = "serving_default"
OUTPUT = "denoised"


def convert_to_tflite(serving_function, *, quantize="none"):
    """Convert a frozen serving `tf.function` to a TFLite flatbuffer (bytes), builtin ops only.

    The file carries the function as signature `serving_default` (inputs `image` and, for
    tunable models, `alpha`; output `denoised`). The function must be built with
    `freeze=True`: its weights are then constants, so kernel arithmetic such as FTN's
    `FTN(W) - W` is folded at conversion and the file holds static kernels only. (Written
    with a signature, captured variables would become uninitialised resource variables.)
    """
    _check_quantize(quantize)
    concrete = serving_function.get_concrete_function()
    if concrete.variables:
        raise ValueError(
            "Expected a serving function with frozen weights (build it with freeze=True). "
            f"Received one reading {len(concrete.variables)} variables"
        )
    module = tf.Module()
    module.serve = serving_function
    with tempfile.TemporaryDirectory() as directory:
        tf.saved_model.save(module, directory, signatures={SIGNATURE_KEY: concrete})
        converter = tf.lite.TFLiteConverter.from_saved_model(directory, signature_keys=[SIGNATURE_KEY])
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
    """Runs a TFLite file's `serving_default` signature with any N, H, W through ai-edge-litert.

    `runner(image=..., alpha=...)` returns the `denoised` array; inputs are cast to the file's
    dtypes. Files exported before the signature was added have none (`has_signature` is
    False): their inputs are then found by tensor name. Re-export such files.
    """

    def __init__(self, model, *, num_threads=None):
        from ai_edge_litert.interpreter import Interpreter  # optional dependency: the `tflite` extra

        source = {"model_content": model} if isinstance(model, bytes) else {"model_path": str(model)}
        self.interpreter = Interpreter(**source, num_threads=num_threads)
        self.has_signature = SIGNATURE_KEY in self.interpreter.get_signature_list()
        if self.has_signature:
            self._signature = self.interpreter.get_signature_runner(SIGNATURE_KEY)
            self.inputs = self._signature.get_input_details()
        else:
            self.inputs = {_short_name(d["name"]): d for d in self.interpreter.get_input_details()}
        self._shapes = None

    def __call__(self, **arrays):
        self._check_names(arrays)
        arrays = {name: np.asarray(arrays[name], dtype=detail["dtype"]) for name, detail in self.inputs.items()}
        if self.has_signature:
            return self._signature(**arrays)[OUTPUT]
        return self._run_by_tensor_name(arrays)

    def _check_names(self, arrays):
        expected, given = set(self.inputs), set(arrays)
        for problem, names in (("Missing", expected - given), ("Unexpected", given - expected)):
            if names:
                raise ValueError(f"{problem} TFLite inputs {sorted(names)}; the model takes {sorted(self.inputs)}")

    def _run_by_tensor_name(self, arrays):
        shapes = {name: array.shape for name, array in arrays.items()}
        if shapes != self._shapes:
            for name, detail in self.inputs.items():
                self.interpreter.resize_tensor_input(detail["index"], shapes[name])
            self.interpreter.allocate_tensors()
            self._shapes = shapes
        for name, detail in self.inputs.items():
            self.interpreter.set_tensor(detail["index"], arrays[name])
        self.interpreter.invoke()
        return self.interpreter.get_tensor(self.interpreter.get_output_details()[0]["index"])


def _short_name(name):
    # Inputs of files without a signature are named like "serving_default_image:0" or "image".
    for known in ("alpha", "image"):
        if known in name:
            return known
    return name
