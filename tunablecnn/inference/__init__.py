"""Inference: the denoiser of an exported folder, its backends, level calibration, noise estimation, self-ensemble.

`load_model(name_or_path)` resolves a bundled name or a folder (`tunablecnn.model_folder`) and
returns a `Denoiser`; `TFLiteRunner` runs one .tflite file. Nothing here imports the exporter.
"""

from tunablecnn.inference.backends import BACKENDS, TFLiteRunner
from tunablecnn.inference.denoiser import Denoiser, load_model

__all__ = ["BACKENDS", "Denoiser", "TFLiteRunner", "load_model"]
