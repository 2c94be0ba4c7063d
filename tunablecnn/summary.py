"""Summarize a pipeline's model: parameters, FLOPs per pixel, layers, and the cost of tunability.

    python -m tunablecnn.summary                                  # the default resnet_gray.json
    python -m tunablecnn.summary --pipeline-config my.json --layers
    python -m tunablecnn.summary --pipeline-config my.json --methods   # base vs every method
    python -m tunablecnn.summary --weights pretrained/adafm-unet20d4-gray-15-50 --filters filters.png [--layer NAME]

--filters draws what alpha does inside a trained model (AdaFM, FTN, DNI): one modulated layer's
filters at alpha 0, 0.25, ... 1 and their change; --weights is an exported model folder or a
training model directory (its pipeline.json is used unless --pipeline-config is given).

Exit status: 0 done, 2 bad arguments or an invalid pipeline config, 130 interrupted.
"""

import argparse
import os
import sys

from tunablecnn import cli
from tunablecnn.config import config_path, load_pipeline
from tunablecnn.model_folder import FILES
from tunablecnn.models import build_model, is_scale_equivariant
from tunablecnn.models.cost import method_costs, model_cost
from tunablecnn.models.filters import modulated_filters, plot_filters
from tunablecnn.train.checkpoints import load_weights, resolve_weights

DEFAULT_CONFIG = "resnet_gray.json"


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
        "--pipeline-config", metavar="FILE",
        help=f"pipeline JSON (default: WEIGHTS/pipeline.json with --weights, else the shipped {DEFAULT_CONFIG})",
    )
    parser.add_argument("--weights", metavar="FOLDER", help="exported model folder or training model directory to load")
    parser.add_argument("--filters", metavar="PNG", help="draw one modulated layer's filters against alpha (needs --weights)")
    parser.add_argument("--layer", metavar="NAME", help="the layer for --filters (default: the first 3x3 modulated one)")
    parser.add_argument("--layers", action="store_true", help="also print every layer")
    parser.add_argument(
        "--methods", action="store_true",
        help="also compare parameters and FLOPs per pixel of the base model with a version per modulation method",
    )
    cli.add_verbose_argument(parser)
    args = parser.parse_args(argv)
    cli.setup_logging(args.verbose)
    return cli.run(_run, args)


def _run(args):
    config = args.pipeline_config or (os.path.join(args.weights, FILES["pipeline"]) if args.weights else config_path(DEFAULT_CONFIG))
    pipeline = load_pipeline(config)
    print(f"pipeline: {config}")
    print("\n".join(describe(pipeline, layers=args.layers)))
    if args.methods:
        print("\n".join(methods_table(method_costs(pipeline))))
    if args.filters:
        _draw_filters(pipeline, args)
    return 0


def _draw_filters(pipeline, args):
    if not args.weights:
        raise ValueError("--filters needs --weights: the filters of an untrained model show nothing")
    model = build_model(pipeline)
    load_weights(model, resolve_weights(args.weights))
    result = modulated_filters(model, args.layer)
    plot_filters(result, args.filters)
    print(f"wrote {args.filters} ({result['layer']}, {result['kind']})")


def methods_table(rows):
    """Markdown table of `method_costs` with overheads relative to the base model."""
    base = rows["base"]
    lines = ["| model | parameters | FLOPs/pixel | parameters vs base | FLOPs vs base |", "|---|---:|---:|---:|---:|"]
    for name, cost in rows.items():
        lines.append(
            f"| {name} | {cost['parameters']:,} | {cost['flops_per_pixel']:,.0f} | "
            f"{cost['parameters'] / base['parameters']:.3f}x | {cost['flops_per_pixel'] / base['flops_per_pixel']:.3f}x |"
        )
    return lines


if __name__ == "__main__":
    sys.exit(main())
