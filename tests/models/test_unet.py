import numpy as np
import pytest

from tunablecnn import build_model, load_pipeline


@pytest.mark.parametrize(("height", "width"), [(1, 1), (5, 3), (37, 53), (64, 64)])
def test_any_size_comes_back_unchanged_in_shape(height, width, rng):
    model = build_model(load_pipeline({"model": {"type": "unet", "depth": 3, "filters": 4, "no_layers": 1}}))
    x = rng.random((1, height, width, 1)).astype("float32")
    assert np.asarray(model(x)).shape == x.shape


def test_depth_sets_the_number_of_scales():
    for depth in (1, 3):
        model = build_model(load_pipeline({"model": {"type": "unet", "depth": depth, "filters": 4, "no_layers": 1}}))
        strides = [layer for layer in model.layers if layer.name.endswith("_stride")]
        assert len(strides) == depth
        assert strides[-1].filters == 4 * 2**depth
