"""What a model costs: parameters and FLOPs per pixel, and the overhead of each modulation method."""

import copy

import keras
import numpy as np

from tunablecnn.config import load_pipeline
from tunablecnn.layers import ModulatedLayer
from tunablecnn.models.build import build_model
from tunablecnn.models.modulation import MODULATIONS

_PROBE_SIZE = 128  # pixels per side of the image used to count convolution work
_DEFAULT_LEVELS = {"start": {"additional_noise": 15}, "end": {"additional_noise": 50}}


def model_cost(pipeline):
    """Parameters and floating-point operations per input pixel of the model's convolutions.

    Counts 2 FLOPs per multiply-add, in the form that runs after export: a modulated layer
    counts what its `flops_per_output_pixel` says (FTN, DNI: two convolutions plus the alpha
    blend; AdaFM: a depthwise convolution plus the blend). Elementwise work elsewhere
    (activations, BN) is left out.
    """
    probe = copy.deepcopy(pipeline)
    probe["model"]["input_shape"][:2] = [_PROBE_SIZE, _PROBE_SIZE]
    model = build_model(probe)
    flops = sum(_layer_flops(layer) for layer in model.layers)
    return {"parameters": model.count_params(), "flops_per_pixel": flops / _PROBE_SIZE**2}


def method_costs(pipeline):
    """`model_cost` of the pipeline without modulation and with each method (default options, same placement)."""
    base = {k: v for k, v in pipeline.items() if k != "tunable"}
    tunable = pipeline.get("tunable") or _DEFAULT_LEVELS
    rows = {"base": model_cost(base)}
    shared = {key: tunable[key] for key in ("placement", "from_level", "start", "end") if key in tunable}  # the schema fills the rest
    for method in MODULATIONS.keys():
        rows[method] = model_cost(load_pipeline({**base, "tunable": {"type": method, **shared}}))
    return rows


def _layer_flops(layer):
    if isinstance(layer, ModulatedLayer):
        per_pixel = layer.flops_per_output_pixel()
    elif isinstance(layer, keras.layers.Conv2D):
        per_pixel = 2 * int(np.prod(layer.kernel.shape))
    else:
        return 0
    _, height, width, _ = layer.output.shape
    return height * width * per_pixel
