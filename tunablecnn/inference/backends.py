"""Runners of an exported folder's model files: SavedModel (TensorFlow) and TFLite (ai-edge-litert).

`open_backend(name, directory, metadata)` gives `run(batch, alphas, uint8)`: a uint8 batch
runs the uint8 signature, a float batch the float one; `alphas` is `[N, 1]`, a map
`[N, H, W, 1]` (the alpha-map signatures) or None (blind). A map given to a folder exported
before the map signatures existed raises a `ValueError` that says to re-export it.
"""

import os

import numpy as np
import tensorflow as tf

from tunablecnn.model_folder import (FILES, FLOAT_MAP_SIGNATURE, FLOAT_SIGNATURE, MAP_SIGNATURE, OUTPUT, PRECISIONS,
                                     SIGNATURE, has_alpha_map, tflite_keys)

BACKENDS = ("saved_model", "tflite")


def open_backend(name, directory, metadata, num_threads=None, precision="float32"):
    """The runner `run(batch, alphas, uint8)` of backend `name` for an exported folder.

    `num_threads`: threads of the TFLite interpreter (default: every core, `os.cpu_count()`).
    The SavedModel backend runs in TensorFlow's own thread pools, which use every core and
    are set per process, so it takes no `num_threads`. `precision`: which TFLite files run,
    "float32" or a quantization the folder was exported with (`export --quantize`).
    """
    if name not in BACKENDS:
        raise ValueError(f"Expected backend in {BACKENDS}. Received: backend={name!r}")
    if precision not in PRECISIONS or (precision != "float32" and name != "tflite"):
        raise ValueError(f"precision={precision!r}: one of {PRECISIONS}; the quantized ones are TFLite files, "
                         "for backend='tflite' only (the SavedModel is float32)")
    if num_threads is not None and (name != "tflite" or int(num_threads) < 1):
        raise ValueError(f"num_threads={num_threads!r}: a positive number of TFLite interpreter threads, for "
                         "backend='tflite' only (the SavedModel backend uses TensorFlow's thread pools, every core)")
    if name == "saved_model":
        run = _saved_model_backend(directory)
    else:
        run = _tflite_backend(directory, metadata, num_threads or os.cpu_count() or 1, precision)
    return run if has_alpha_map(metadata) else _refusing_maps(run, directory)


def is_alpha_map(alphas):
    return alphas is not None and np.ndim(alphas) == 4


def _refusing_maps(run, directory):
    def run_scalar(batch, alphas, uint8):
        if is_alpha_map(alphas):
            raise ValueError(
                f"{directory} was exported without the alpha-map signature (exported before alpha maps "
                "existed, or blind), so it takes alpha as one number per image only; re-export it with "
                f"`python -m tunablecnn.export --checkpoint-directory {directory} --output-directory NEW_FOLDER "
                "--to-tflite` to pass an alpha or level map")
        return run(batch, alphas, uint8)

    run_scalar.keep_alive = getattr(run, "keep_alive", None)
    return run_scalar


class TFLiteRunner:
    """Runs a TFLite file's `serving_default` (or another) signature with any N, H, W through ai-edge-litert.

    `runner(image=..., alpha=...)` returns the `denoised` array of `serving_default`;
    `runner(image=..., alpha=..., signature="alpha_map")` that of another signature. Inputs are
    cast to the file's dtypes. Files exported before the signature was added have none
    (`has_signature` is False): their inputs are then found by tensor name. Re-export such files.
    """

    def __init__(self, model, *, num_threads=None):
        # Imported here, so `import tunablecnn` does not load the TFLite runtime.
        from ai_edge_litert.interpreter import Interpreter

        source = {"model_content": model} if isinstance(model, bytes) else {"model_path": str(model)}
        self.interpreter = Interpreter(**source, num_threads=num_threads)
        self.signatures = tuple(self.interpreter.get_signature_list())
        self.has_signature = SIGNATURE in self.signatures
        self._runners = {}
        if self.has_signature:
            self.inputs = self._runner(SIGNATURE)[1]
        else:
            self.inputs = {_short_name(d["name"]): d for d in self.interpreter.get_input_details()}
        self._shapes = None

    def __call__(self, signature=SIGNATURE, **arrays):
        if not self.has_signature:
            self._check_names(arrays, self.inputs)
            return self._run_by_tensor_name(self._cast(arrays, self.inputs))
        runner, inputs = self._runner(signature)
        self._check_names(arrays, inputs)
        return runner(**self._cast(arrays, inputs))[OUTPUT]

    def _runner(self, signature):
        if signature not in self._runners:
            if signature not in self.signatures:
                raise ValueError(f"This TFLite file has no {signature!r} signature (it has {list(self.signatures)}); "
                                 "re-export the model with this tunablecnn to get it")
            runner = self.interpreter.get_signature_runner(signature)
            self._runners[signature] = (runner, runner.get_input_details())
        return self._runners[signature]

    @staticmethod
    def _cast(arrays, inputs):
        return {name: np.asarray(arrays[name], dtype=detail["dtype"]) for name, detail in inputs.items()}

    @staticmethod
    def _check_names(arrays, inputs):
        expected, given = set(inputs), set(arrays)
        for problem, names in (("Missing", expected - given), ("Unexpected", given - expected)):
            if names:
                raise ValueError(f"{problem} TFLite inputs {sorted(names)}; the model takes {sorted(inputs)}")

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


def _saved_model_backend(directory):
    loaded = tf.saved_model.load(os.path.join(directory, FILES["saved_model"]))
    names = {(True, False): SIGNATURE, (False, False): FLOAT_SIGNATURE,
             (True, True): MAP_SIGNATURE, (False, True): FLOAT_MAP_SIGNATURE}

    def run(batch, alphas, uint8):
        image = tf.constant(batch if uint8 else batch.astype(np.float32))
        kwargs = {"image": image} if alphas is None else {"image": image, "alpha": tf.constant(alphas)}
        return loaded.signatures[names[uint8, is_alpha_map(alphas)]](**kwargs)[OUTPUT].numpy()

    run.keep_alive = loaded  # the signatures need the loaded object alive
    return run


def _tflite_backend(directory, metadata, num_threads, precision):
    keys = tflite_keys(precision)
    if any(key not in metadata["files"] for key in keys):
        quantize, kind = ("", "") if precision == "float32" else (f" --quantize {precision}", f" {precision}")
        raise ValueError(f"{directory} has no{kind} TFLite files; write them with: python -m tunablecnn.export "
                         f"--checkpoint-directory {directory} --output-directory OUT --to-tflite{quantize}, then load OUT")
    runners = {uint8: TFLiteRunner(os.path.join(directory, FILES[key]), num_threads=num_threads)
               for uint8, key in zip((True, False), keys)}

    def run(batch, alphas, uint8):
        image = batch if uint8 else batch.astype(np.float32)
        if alphas is None:
            return runners[uint8](image=image)
        signature = MAP_SIGNATURE if is_alpha_map(alphas) else SIGNATURE
        return runners[uint8](image=image, alpha=alphas, signature=signature)

    return run


def _short_name(name):
    # Inputs of files without a signature are named like "serving_default_image:0" or "image".
    for known in ("alpha", "image"):
        if known in name:
            return known
    return name
