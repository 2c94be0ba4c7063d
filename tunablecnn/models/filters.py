"""What alpha does inside a tunable model: the filters of one modulated layer from alpha 0 to 1.

FTN and DNI move a convolution's kernel, `W_alpha = W + alpha * D` (`ModulatedConv2D.kernel_at`);
AdaFM filters each channel of a convolution's output with `g_alpha = I + alpha * residual_filter`
(a depthwise filter, the identity at alpha 0). CFSNet and Dynamic-Net blend feature maps, not
filters, so they have no filter picture. `plot_filters` draws one row per alpha and a last row
with the change from alpha 0 to 1, as DNI's paper shows its filters.
"""

import numpy as np

from tunablecnn.layers import AdaFM, ModulatedConv2D

ALPHAS = (0.0, 0.25, 0.5, 0.75, 1.0)


def filter_layers(model):
    """Names of the layers that have a filter picture (AdaFM layers and FTN/DNI convolutions)."""
    return [layer.name for layer in model.layers if isinstance(layer, (AdaFM, ModulatedConv2D))]


def modulated_filters(model, layer_name=None, alphas=ALPHAS, count=16):
    """`{"layer", "kind", "alphas", "filters"}` with `filters` [len(alphas), count, k, k].

    `layer_name`: a name from `filter_layers(model)`; default the first one whose kernel is
    at least 3x3. Each filter is one output channel's kernel summed over input channels
    (for a convolution) or one channel's depthwise filter (AdaFM); the first `count` channels.
    """
    layer = _chosen_layer(model, layer_name)
    if isinstance(layer, AdaFM):
        residual = np.asarray(layer.residual_filter)[:, :, :, 0]  # [k, k, C]
        identity = np.zeros_like(residual)
        identity[residual.shape[0] // 2, residual.shape[1] // 2, :] = 1.0
        stack = [identity + a * residual for a in alphas]
        kind = "adafm"
    else:
        stack = [np.asarray(layer.kernel_at(a)).sum(axis=2) for a in alphas]  # [k, k, C_out]
        kind = type(layer).__name__
    filters = np.stack([np.moveaxis(s, -1, 0)[:count] for s in stack])
    return {"layer": layer.name, "kind": kind, "alphas": list(alphas), "filters": filters}


def plot_filters(result, path):
    """Write a PNG: one row per alpha, then `alpha 1 - alpha 0`; one shared gray scale per block."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    filters = result["filters"]
    change = filters[-1] - filters[0]
    rows, columns = len(filters) + 1, filters.shape[1]
    figure, axes = plt.subplots(rows, columns, figsize=(0.6 * columns + 1.2, 0.65 * rows + 0.6), squeeze=False)
    bound, change_bound = np.abs(filters).max() or 1.0, np.abs(change).max() or 1.0
    for row in range(rows):
        images, limit = (filters[row], bound) if row < len(filters) else (change, change_bound)
        label = f"α={result['alphas'][row]:g}" if row < len(filters) else "1 − 0"
        for column in range(columns):
            axis = axes[row, column]
            axis.imshow(images[column], cmap="gray", vmin=-limit, vmax=limit, interpolation="nearest")
            axis.set_xticks([]), axis.set_yticks([])
        axes[row, 0].set_ylabel(label, rotation=0, ha="right", va="center", fontsize=8)
    figure.suptitle(f"{result['layer']} ({result['kind']}): filters against alpha; last row: change (own scale)", fontsize=9)
    figure.savefig(path, dpi=120, bbox_inches="tight")
    plt.close(figure)


def _chosen_layer(model, layer_name):
    names = filter_layers(model)
    if not names:
        raise ValueError("this model has no AdaFM, FTN or DNI layer: nothing to picture (CFSNet and "
                         "Dynamic-Net blend feature maps, not filters)")
    if layer_name is None:
        large = [n for n in names if _size(model.get_layer(n)) >= 3]
        return model.get_layer((large or names)[0])
    if layer_name not in names:
        raise ValueError(f"no modulated layer named {layer_name!r}; choose one of {', '.join(names)}")
    return model.get_layer(layer_name)


def _size(layer):
    return layer.kernel_size if isinstance(layer, AdaFM) else layer.kernel.shape[0]
