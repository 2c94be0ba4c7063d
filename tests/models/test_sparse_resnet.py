import keras
import numpy as np

from tunablecnn import build_model, load_pipeline


def _sparsity(threshold, x):
    config = {"type": "sparse_resnet", "filters": 8, "no_layers": 2, "sparsity_threshold": threshold}
    model = build_model(load_pipeline({"model": config}))
    sparsify = model.get_layer("backbone_block0_sparsify")
    probe = keras.Model(model.input, sparsify.output)
    return float((np.asarray(probe(x)) == 0).mean())


def test_higher_threshold_gives_sparser_features(rng):
    x = rng.random((1, 32, 32, 1)).astype("float32")
    assert _sparsity(0.0, x) < _sparsity(1.0, x) < _sparsity(2.0, x)
    assert _sparsity(1.0, x) > 0.5
