import numpy as np
import pytest

from tunablecnn import build_model, load_pipeline
from tunablecnn.models.filters import filter_layers, modulated_filters, plot_filters
from tunablecnn.models.tunable import modulation_weights

LEVELS = {"start": {"additional_noise": 15}, "end": {"additional_noise": 50}}


def _model(method):
    model = build_model(load_pipeline({"model": {"type": "resnet", "filters": 4, "no_layers": 1},
                                       "tunable": {"type": method, **LEVELS}}))
    rng = np.random.default_rng(0)
    for weight in modulation_weights(model):  # as if tuned: the filters move with alpha
        weight.assign(weight.numpy() + 0.1 * rng.normal(size=weight.shape).astype("float32"))
    return model


@pytest.mark.parametrize("method", ["ftn", "dni"])
def test_convolution_filters_go_from_the_base_kernel_to_the_tuned_one(method):
    model = _model(method)
    result = modulated_filters(model, alphas=(0.0, 0.5, 1.0))
    layer = model.get_layer(result["layer"])
    base = np.moveaxis(np.asarray(layer.kernel).sum(axis=2), -1, 0)
    end = np.moveaxis(np.asarray(layer.kernel_at(1.0)).sum(axis=2), -1, 0)
    np.testing.assert_allclose(result["filters"][0], base, atol=1e-6)
    np.testing.assert_allclose(result["filters"][2], end, atol=1e-6)
    np.testing.assert_allclose(result["filters"][1], (base + end) / 2, atol=1e-5)  # linear in alpha


def test_adafm_filters_are_the_identity_at_alpha_zero():
    result = modulated_filters(_model("adafm"), alphas=(0.0, 1.0))
    identity = np.zeros((3, 3))
    identity[1, 1] = 1.0
    assert all(np.array_equal(f, identity) for f in result["filters"][0])
    assert not np.allclose(result["filters"][1], result["filters"][0])


def test_feature_blending_methods_and_unknown_layers_are_refused():
    with pytest.raises(ValueError, match="blend feature maps"):
        modulated_filters(_model("cfsnet"))
    model = _model("ftn")
    with pytest.raises(ValueError, match=f"choose one of {filter_layers(model)[0]}"):
        modulated_filters(model, "nowhere")


def test_the_picture_is_written(tmp_path):
    plot_filters(modulated_filters(_model("dni")), tmp_path / "filters.png")
    assert (tmp_path / "filters.png").stat().st_size > 1000
