"""TFLite conversion: builtin ops only, `serving_default` (and `alpha_map`) signatures (`tunablecnn.inference.TFLiteRunner` runs them)."""

import tempfile

import tensorflow as tf

from tunablecnn.model_folder import MAP_SIGNATURE, QUANTIZATIONS, SIGNATURE

# Ops that int8 files keep in float32: the elementwise blends that carry alpha (and the skip
# connections, also ADD) and AdaFM's depthwise filters. Quantized, their per-tensor ranges must
# cover every alpha, which costs the flagship 0.3-1.0 dB on BSD68; kept float, 0.05-0.15 dB,
# while the convolutions, where the time goes, stay int8 (benchmarks/quantized_tflite.py).
INT8_FLOAT_OPS = ("ADD", "MUL", "DEPTHWISE_CONV_2D")


def convert_to_tflite(serving_function, *, quantize="none", alpha_map_function=None, representative_data=None):
    """Convert a frozen serving `tf.function` to a TFLite flatbuffer (bytes), builtin ops only.

    `quantize`: "none" (float32), "float16" (float16 weights, float32 arithmetic), "dynamic"
    (int8 weights, activations quantized at run time) or "int8" (int8 weights and activations,
    except `INT8_FLOAT_OPS`, which stay float32; post-training: the activation ranges are
    measured on `representative_data`, a callable
    returning an iterable of `(signature_name, {input_name: array})`, one per sample, covering
    every signature; the inputs and outputs keep their dtypes, uint8 or float32).

    The file carries the function as signature `serving_default` (inputs `image` and, for
    tunable models, `alpha`; output `denoised`), and `alpha_map_function`, if given, as
    signature `alpha_map` (alpha `[N, H, W, 1]`). The functions must be built with
    `freeze=True`: their weights are then constants, so kernel arithmetic such as FTN's
    `FTN(W) - W` is folded at conversion and the file holds static kernels only. (Written
    with a signature, captured variables would become uninitialised resource variables.)
    """
    _check_quantize(quantize, representative_data)
    functions = {SIGNATURE: serving_function}
    if alpha_map_function is not None:
        functions[MAP_SIGNATURE] = alpha_map_function
    concrete = {name: _frozen_concrete(function) for name, function in functions.items()}
    module = tf.Module()
    for name, function in functions.items():
        setattr(module, name, function)
    with tempfile.TemporaryDirectory() as directory:
        tf.saved_model.save(module, directory, signatures=concrete)
        converter = tf.lite.TFLiteConverter.from_saved_model(directory, signature_keys=list(concrete))
        return _convert(converter, quantize, representative_data)


def _frozen_concrete(serving_function):
    concrete = serving_function.get_concrete_function()
    if concrete.variables:
        raise ValueError(
            "Expected a serving function with frozen weights (build it with freeze=True). "
            f"Received one reading {len(concrete.variables)} variables"
        )
    return concrete


def _check_quantize(quantize, representative_data):
    if quantize not in ("none", *QUANTIZATIONS):
        raise ValueError(f"Expected quantize in {('none', *QUANTIZATIONS)}. Received: quantize={quantize!r}")
    if quantize == "int8" and representative_data is None:
        raise ValueError("quantize='int8' measures activation ranges: give representative_data")


def _convert(converter, quantize, representative_data):
    converter.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS]
    if quantize != "none":
        converter.optimizations = [tf.lite.Optimize.DEFAULT]
    if quantize == "float16":
        converter.target_spec.supported_types = [tf.float16]
    if quantize == "int8":
        return _int8_with_float_ops(converter, representative_data)
    return converter.convert()


def _int8_with_float_ops(converter, representative_data):
    """Full-integer conversion that keeps `INT8_FLOAT_OPS` in float32.

    Calibrate, then quantize with those ops denylisted: the two steps TensorFlow's own
    `tf.lite.experimental.QuantizationDebugger` runs (`_experimental_calibrate_only`, then
    `convert.mlir_quantize`), which the public converter does not expose in one call.
    """
    from tensorflow.lite.python import convert as lite_convert

    converter.representative_dataset = representative_data
    converter.experimental_mlir_quantizer = True
    converter._experimental_calibrate_only = True
    calibrated = converter.convert()
    return lite_convert.mlir_quantize(calibrated, disable_per_channel=False, fully_quantize=False,
                                      enable_numeric_verify=False, denylisted_ops=list(INT8_FLOAT_OPS))

