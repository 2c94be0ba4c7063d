"""Runners of an exported folder's model files: SavedModel (TensorFlow) and TFLite (ai-edge-litert).

`open_backend(name, directory, metadata)` gives `run(batch, alphas, uint8)`: a uint8 batch
runs the uint8 signature, a float batch the float one; `alphas` is `[N, 1]` or None (blind).
"""

import os

import numpy as np
import tensorflow as tf

from tunablecnn.model_folder import FILES, FLOAT_SIGNATURE, OUTPUT, SIGNATURE

BACKENDS = ("saved_model", "tflite")


def open_backend(name, directory, metadata):
    """The runner `run(batch, alphas, uint8)` of backend `name` for an exported folder."""
    if name not in BACKENDS:
        raise ValueError(f"Expected backend in {BACKENDS}. Received: backend={name!r}")
    return _saved_model_backend(directory) if name == "saved_model" else _tflite_backend(directory, metadata)


class TFLiteRunner:
    """Runs a TFLite file's `serving_default` signature with any N, H, W through ai-edge-litert.

    `runner(image=..., alpha=...)` returns the `denoised` array; inputs are cast to the file's
    dtypes. Files exported before the signature was added have none (`has_signature` is
    False): their inputs are then found by tensor name. Re-export such files.
    """

    def __init__(self, model, *, num_threads=None):
        # Imported here, so `import tunablecnn` does not load the TFLite runtime.
        from ai_edge_litert.interpreter import Interpreter

        source = {"model_content": model} if isinstance(model, bytes) else {"model_path": str(model)}
        self.interpreter = Interpreter(**source, num_threads=num_threads)
        self.has_signature = SIGNATURE in self.interpreter.get_signature_list()
        if self.has_signature:
            self._signature = self.interpreter.get_signature_runner(SIGNATURE)
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


def _saved_model_backend(directory):
    loaded = tf.saved_model.load(os.path.join(directory, FILES["saved_model"]))
    signatures = {True: loaded.signatures[SIGNATURE], False: loaded.signatures[FLOAT_SIGNATURE]}

    def run(batch, alphas, uint8):
        image = tf.constant(batch if uint8 else batch.astype(np.float32))
        kwargs = {"image": image} if alphas is None else {"image": image, "alpha": tf.constant(alphas)}
        return signatures[uint8](**kwargs)[OUTPUT].numpy()

    run.keep_alive = loaded  # the signatures need the loaded object alive
    return run


def _tflite_backend(directory, metadata):
    if "tflite" not in metadata["files"]:
        raise ValueError(f"{directory} has no TFLite files; export it with --to-tflite")
    runners = {True: TFLiteRunner(os.path.join(directory, FILES["tflite"])),
               False: TFLiteRunner(os.path.join(directory, FILES["tflite_float"]))}

    def run(batch, alphas, uint8):
        image = batch if uint8 else batch.astype(np.float32)
        return runners[uint8](image=image) if alphas is None else runners[uint8](image=image, alpha=alphas)

    return run


def _short_name(name):
    # Inputs of files without a signature are named like "serving_default_image:0" or "image".
    for known in ("alpha", "image"):
        if known in name:
            return known
    return name
