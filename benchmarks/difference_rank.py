"""How low-rank are the kernel differences D = W(alpha=1) - W of an FTN or DNI model (issue 13, item 2)?

    python benchmarks/difference_rank.py --model exported/dni-unet24-gray-15-50 \
        --model exported/ftn-unet24-gray-15-50 --output benchmarks/results/difference_rank

The exported FTN/DNI layer runs `conv(x, W) + alpha * conv(x, D)`: the second convolution
doubles the cost. A rank-r factorization of D (a k x k x C_in x r convolution, then a 1x1
r x C_out one, from the SVD of D as a (k k C_in) x C_out matrix) makes that branch cheaper
when r is well below C_out. For each model and each kept share of D's energy (relative
residual |D - D_r| / |D| at most 0.3, 0.1, 0.03, 0.01): the rank per layer and the model's
FLOPs per pixel with those ranks, as a ratio to the base network (no modulation). For DNI,
whose D is a plain weight difference, it also measures what truncation does to the output:
the largest gray-level difference from the exact model on --image at alpha 0.5 and 1 (the
export's self-check allows 1). Writes OUTPUT.md and OUTPUT.json.
"""

import argparse
import copy
import os

import numpy as np

from tunablecnn import build_model, load_pipeline
from tunablecnn.data import read_image
from tunablecnn.layers.dni_conv import DNIConv2D
from tunablecnn.layers.modulated_conv import ModulatedConv2D
from tunablecnn.models.cost import model_cost
from tunablecnn.train.checkpoints import load_weights, resolve_weights

from tunable_latency import write_results  # benchmarks/, beside this script

RESIDUALS = (0.3, 0.1, 0.03, 0.01)
PROBE = 128


def main():
    args = _parser().parse_args()
    results = [analyse(folder, args.image) for folder in args.model]
    write_results(args.output, results, markdown(results, args))


def analyse(folder, image_path):
    pipeline = load_pipeline(os.path.join(folder, "pipeline.json"))
    probe = copy.deepcopy(pipeline)
    probe["model"]["input_shape"][:2] = [PROBE, PROBE]
    model = build_model(probe)
    load_weights(model, resolve_weights(folder))
    layers = [layer for layer in model._flatten_layers() if isinstance(layer, ModulatedConv2D)]
    spectra = {layer.name: _spectrum(np.asarray(layer._kernel_delta())) for layer in layers}
    base = model_cost({k: v for k, v in pipeline.items() if k != "tunable"})["flops_per_pixel"]
    exact = model_cost(pipeline)["flops_per_pixel"]
    rows = []
    for residual in RESIDUALS:
        ranks = {layer.name: _rank(spectra[layer.name], residual) for layer in layers}
        saved = sum(_branch_flops(layer, layer.filters) - _branch_flops(layer, ranks[layer.name]) for layer in layers)
        row = {"residual": residual, "ranks": ranks, "full_ranks": {layer.name: layer.filters for layer in layers},
               "flops_ratio": (exact - saved / PROBE**2) / base}
        if isinstance(layers[0], DNIConv2D):
            row["max_gray_level_difference"] = _truncation_error(pipeline, folder, image_path, residual)
        rows.append(row)
    return {"model": os.path.basename(os.path.normpath(folder)), "base_flops_per_pixel": base,
            "exact_flops_ratio": exact / base, "rows": rows}


def _spectrum(delta):
    return np.linalg.svd(delta.reshape(-1, delta.shape[-1]), compute_uv=False)


def _rank(singular, residual):
    """Smallest r with |D - D_r| <= residual |D| (Frobenius)."""
    tail = np.sqrt(np.maximum(0.0, 1.0 - np.cumsum(singular**2) / np.sum(singular**2)))
    return int(np.argmax(tail <= residual)) + 1


def _branch_flops(layer, rank):
    """FLOPs of the alpha branch over the layer's output: one k x k convolution to `rank` channels, then 1x1 to C_out."""
    k, c_in, c_out = layer.kernel_size, layer.kernel.shape[2], layer.filters
    _, height, width, _ = layer.output.shape
    per_pixel = 2 * k * k * c_in * c_out if rank >= c_out else 2 * (k * k * c_in * rank + rank * c_out)
    return height * width * per_pixel


def _truncation_error(pipeline, folder, image_path, residual):
    """Largest |difference| in gray levels between the exact DNI model and one with D truncated, at alpha 0.5 and 1."""
    model = build_model(pipeline)
    load_weights(model, resolve_weights(folder))
    image = read_image(image_path, 1).pixels[None].astype(np.float32)
    noisy = image + np.random.default_rng(0).normal(0, 25 / 255, image.shape).astype(np.float32)
    run = lambda alpha: np.round(np.clip(np.asarray(model({"image": noisy, "alpha": np.full((1, 1), alpha, np.float32)}),  # noqa: E731
                                                            np.float32), 0, 1) * 255)
    exact = {alpha: run(alpha) for alpha in (0.5, 1.0)}
    for layer in model._flatten_layers():
        if isinstance(layer, DNIConv2D):
            delta = np.asarray(layer._kernel_delta())
            layer.kernel_b.assign(np.asarray(layer.kernel) + _truncated(delta, residual))
    return {f"{alpha:g}": int(np.abs(run(alpha) - exact[alpha]).max()) for alpha in exact}


def _truncated(delta, residual):
    matrix = delta.reshape(-1, delta.shape[-1])
    u, s, vt = np.linalg.svd(matrix, full_matrices=False)
    r = _rank(s, residual)
    return ((u[:, :r] * s[:r]) @ vt[:r]).reshape(delta.shape)


def markdown(results, args):
    lines = ["# Rank of the kernel differences D of FTN/DNI models", "",
             f"`python benchmarks/difference_rank.py {' '.join('--model ' + m for m in args.model)} --image {args.image}`",
             "", "FLOPs per pixel of the whole model as a ratio to the base network (no modulation), with the alpha "
             "branch of every layer factorized at the rank that keeps |D - D_r| <= residual x |D|; 'exact' is today's "
             "export (two full convolutions). Max diff: largest gray-level difference from the exact model on one "
             "noisy image (sigma 25) at alpha 0.5 / 1 (DNI only; the export self-check allows 1).", "",
             "| model | exact | " + " | ".join(f"residual {r:g}" for r in RESIDUALS) + " |",
             "|---|---|" + "---|" * len(RESIDUALS)]
    for result in results:
        cells = []
        for row in result["rows"]:
            share = sum(row["ranks"].values()) / sum(row["full_ranks"].values())
            cell = f"{row['flops_ratio']:.2f}x (ranks {share:.0%} of full)"
            if "max_gray_level_difference" in row:
                diff = row["max_gray_level_difference"]
                cell += f", max diff {diff['0.5']} / {diff['1']}"
            cells.append(cell)
        lines.append(f"| {result['model']} | {result['exact_flops_ratio']:.2f}x | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def _parser():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", action="append", required=True, help="exported FTN or DNI folder")
    parser.add_argument("--image", default="../shared/data/Set12/01.png", help="clean gray image for the DNI output check")
    parser.add_argument("--output", default="benchmarks/results/difference_rank")
    return parser


if __name__ == "__main__":
    main()
