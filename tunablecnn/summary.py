"""Summarize a pipeline's model: parameters, multiply-adds per pixel, layers.

    python -m tunablecnn.summary                                  # the default resnet_gray.json
    python -m tunablecnn.summary --pipeline-config my.json --layers
"""

import argparse
import copy
import logging
import sys

import keras
import numpy as np

from tunablecnn.config import ConfigError, config_path, load_pipeline
from tunablecnn.models import build_model, is_scale_equivariant

DEFAULT_CONFIG = "resnet_gray.json"
_PROBE_SIZE = 128  # pixels per side of the image used to count convolution work


def model_cost(pipeline):
    """Parameters and floating-point operations per input pixel (2 per multiply-add) of the model's convolutions."""
    probe = copy.deepcopy(pipeline)
    probe["model"]["input_shape"][:2] = [_PROBE_SIZE, _PROBE_SIZE]
    model = build_model(probe)
    flops = 0
    for layer in model.layers:
        if isinstance(layer, keras.layers.Conv2D):
            _, height, width, _ = layer.output.shape
            flops += 2 * height * width * int(np.prod(layer.kernel.shape))
    return {"parameters": model.count_params(), "flops_per_pixel": flops / _PROBE_SIZE**2}


def describe(pipeline, *, layers=False):
    """Human-readable summary lines of the pipeline's model."""
    model = build_model(pipeline)
    cost = model_cost(pipeline)
    config = pipeline["model"]
    lines = [
        f"model: {model.name} (type {config['type']}, levels {config['levels']}, "
        f"filters {config['filters']}, blocks {config['no_layers']})",
        f"inputs: {', '.join(f'{t.name} {tuple(t.shape)}' for t in model.inputs)}",
        f"output: denoised {tuple(model.outputs[0].shape)}",
        f"parameters: {cost['parameters']:,}",
        f"FLOPs per pixel: {cost['flops_per_pixel']:,.0f}",
        f"scale-equivariant (bias-free and homogeneous): {'yes' if is_scale_equivariant(pipeline) else 'no'}",
    ]
    if layers:
        model.summary(print_fn=lines.append, line_length=110)
    return lines


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m tunablecnn.summary", description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--pipeline-config", default=config_path(DEFAULT_CONFIG), metavar="FILE",
        help=f"pipeline JSON (default: the shipped {DEFAULT_CONFIG})",
    )
    parser.add_argument("--layers", action="store_true", help="also print every layer")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    try:
        pipeline = load_pipeline(args.pipeline_config)
    except ConfigError as error:
        print(error, file=sys.stderr)
        return 2
    print(f"pipeline: {args.pipeline_config}")
    print("\n".join(describe(pipeline, layers=args.layers)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
