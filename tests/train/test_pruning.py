import numpy as np

from tunablecnn import build_model, load_pipeline
from tunablecnn.train.pruning import prunable_kernels, prune_model, prune_weights

BASE = {"start_epoch": 0, "minimum_threshold": 0.1, "shrinkage": 0.5, "shrinkage_threshold": 0.3}
W = np.array([-0.5, -0.25, -0.05, 0.0, 0.08, 0.2, 0.9], "float32")


def test_none_keeps_weights():
    np.testing.assert_array_equal(prune_weights(W, {**BASE, "strategy": "none"}, np.random.default_rng(0)), W)


def test_minimum_threshold_zeroes_small_weights():
    pruned = prune_weights(W, {**BASE, "strategy": "minimum_threshold"}, np.random.default_rng(0))
    np.testing.assert_array_equal(pruned, np.array([-0.5, -0.25, 0.0, 0.0, 0.0, 0.2, 0.9], "float32"))


def test_bifurcate_redraws_small_weights_in_twice_the_threshold_then_zeroes_the_small_ones():
    rng = np.random.default_rng(0)
    weights = np.full(10000, 0.01, "float32")
    pruned = prune_weights(weights, {**BASE, "strategy": "minimum_threshold_bifurcate"}, rng)
    survivors = pruned[pruned != 0]
    assert np.all((np.abs(survivors) >= 0.1) & (np.abs(survivors) < 0.2))
    assert 0.4 < (pruned == 0).mean() < 0.6  # uniform on (-0.2, 0.2): half lands within 0.1
    large = prune_weights(W, {**BASE, "strategy": "minimum_threshold_bifurcate"}, rng)
    np.testing.assert_array_equal(large[[0, 1, 5, 6]], W[[0, 1, 5, 6]])


def test_shrinkage_then_threshold():
    pruned = prune_weights(W, {**BASE, "strategy": "minimum_threshold_shrinkage"}, np.random.default_rng(0))
    # |w| < 0.3 shrink by half: -0.25 -> -0.125 (kept), 0.2 -> 0.1 (kept, not < 0.1), 0.08 -> 0.04 (zeroed)
    np.testing.assert_allclose(pruned, [-0.5, -0.125, 0.0, 0.0, 0.0, 0.1, 0.9], rtol=1e-6)


def test_prune_model_reports_sparsity_and_zeroes_kernels():
    model = build_model(load_pipeline({"model": {"filters": 8, "no_layers": 2}}))
    sparsity = prune_model(model, {**BASE, "strategy": "minimum_threshold", "minimum_threshold": 0.2}, None)
    kernels = prunable_kernels(model)
    assert len(kernels) == 6 and len(sparsity) == 7
    total = sum(int((k.numpy() == 0).sum()) for k in kernels) / sum(k.numpy().size for k in kernels)
    assert sparsity["total"] == total > 0.3
    assert all(np.all((k.numpy() == 0) | (np.abs(k.numpy()) >= 0.2)) for k in kernels)
