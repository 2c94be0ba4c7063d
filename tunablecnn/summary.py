"""Summarize a pipeline's model: parameters, FLOPs per pixel, layers, and the cost of tunability.

    python -m tunablecnn.summary                                  # the default resnet_gray.json
    python -m tunablecnn.summary --pipeline-config my.json --layers
    python -m tunablecnn.summary --pipeline-config my.json --methods   # base vs every method

Exit status: 0 done, 2 bad arguments or an invalid pipeline config, 130 interrupted.
"""

import argparse
import sys

from tunablecnn import cli
from tunablecnn.config import config_path, load_pipeline
from tunablecnn.models import build_model, is_scale_equivariant
from tunablecnn.models.cost import method_costs, model_cost

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
        "--pipeline-config", default=config_path(DEFAULT_CONFIG), metavar="FILE",
        help=f"pipeline JSON (default: the shipped {DEFAULT_CONFIG})",
    )
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
    pipeline = load_pipeline(args.pipeline_config)
    print(f"pipeline: {args.pipeline_config}")
    print("\n".join(describe(pipeline, layers=args.layers)))
    if args.methods:
        print("\n".join(methods_table(method_costs(pipeline))))
    return 0


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
