"""TFLite conversion: builtin ops only, `serving_default` signature (`tunablecnn.inference.TFLiteRunner` runs it)."""

import tempfile

import tensorflow as tf

from tunablecnn.model_folder import SIGNATURE

QUANTIZATIONS = ("none", "float16", "dynamic")


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
        tf.saved_model.save(module, directory, signatures={SIGNATURE: concrete})
        converter = tf.lite.TFLiteConverter.from_saved_model(directory, signature_keys=[SIGNATURE])
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

