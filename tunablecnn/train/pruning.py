"""Weight pruning of convolution kernels (applied at epoch starts from `prune.start_epoch`)."""

import logging

import keras
import numpy as np

from tunablecnn.layers import ModulatedConv2D

logger = logging.getLogger(__name__)


def prune_weights(weights, prune_config, rng):
    """Return pruned copy of `weights` (numpy) under `prune_config["strategy"]`.

    - minimum_threshold: w = 0 where |w| < t;
    - minimum_threshold_bifurcate: where |w| < t, redraw w uniformly in (-2t, 2t), then zero |w| < t
      (small weights get a second chance to grow out of the dead zone instead of all dying);
    - minimum_threshold_shrinkage: where |w| < shrinkage_threshold, w *= shrinkage; then zero |w| < t.
    """
    strategy, t = prune_config["strategy"], prune_config["minimum_threshold"]
    w = np.array(weights, copy=True)
    if strategy == "none":
        return w
    if strategy == "minimum_threshold_bifurcate":
        small = np.abs(w) < t
        w[small] = rng.uniform(-2 * t, 2 * t, size=int(small.sum()))
    elif strategy == "minimum_threshold_shrinkage":
        w[np.abs(w) < prune_config["shrinkage_threshold"]] *= prune_config["shrinkage"]
    elif strategy != "minimum_threshold":
        raise ValueError(f"Unknown pruning strategy '{strategy}'")
    w[np.abs(w) < t] = 0.0
    return w


def prunable_kernels(model):
    """The convolution kernels pruning acts on: every Conv2D kernel and the base kernel of modulated convs."""
    return [layer.kernel for layer in model.layers if isinstance(layer, (keras.layers.Conv2D, ModulatedConv2D))]


def prune_model(model, prune_config, rng):
    """Prune every kernel in place; return `{"total": fraction_zero, "<layer>": fraction_zero, ...}`."""
    sparsity, zeros, count = {}, 0, 0
    for kernel in prunable_kernels(model):
        pruned = prune_weights(kernel.numpy(), prune_config, rng)
        kernel.assign(pruned)
        zeros += int((pruned == 0).sum())
        count += pruned.size
        sparsity[kernel.path] = float((pruned == 0).mean())
    sparsity["total"] = zeros / max(count, 1)
    return sparsity
