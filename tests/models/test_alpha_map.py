import numpy as np
import pytest

from tests.helpers import randomize_weights
from tunablecnn import build_model, load_pipeline
from tunablecnn.models.alpha_map import modulated_layer_strides, with_alpha_map

LEVELS = {"start": {"additional_noise": 15}, "end": {"additional_noise": 50}}


def _model(method, rng, levels=2, model_type="unet"):
    pipeline = load_pipeline({
        "model": {"type": model_type, "levels": levels, "filters": 4, "no_layers": 1, "depth": 2},
        "tunable": {"type": method, "placement": "all", **LEVELS},
    })
    model = build_model(pipeline)
    randomize_weights(model, rng, scale=0.2)
    return model


@pytest.mark.parametrize("method", ["adafm", "ftn", "dni", "cfsnet", "dynamic"])
def test_constant_map_gives_the_scalar_output_and_shares_the_weights(method, rng):
    model = _model(method, rng)
    mapped = with_alpha_map(model)
    assert [w.path for w in mapped.weights] == [w.path for w in model.weights]
    assert all(a is b for a, b in zip(mapped.weights, model.weights))
    image = rng.random((2, 37, 29, 1)).astype("float32")  # odd sizes: padded inside the U-Net, odd pyramid levels
    alphas = np.array([[0.3], [0.8]], "float32")
    expected = np.asarray(model({"image": image, "alpha": alphas}))
    alpha_map = np.broadcast_to(alphas[:, None, None], (2, 37, 29, 1))
    np.testing.assert_allclose(np.asarray(mapped({"image": image, "alpha": alpha_map})), expected,
                               atol=1e-5 * max(1.0, np.abs(expected).max()))


def test_each_side_of_a_map_gets_its_own_alpha_away_from_the_seam(rng):
    model = _model("adafm", rng, levels=1)
    image = rng.random((1, 24, 192, 1)).astype("float32")
    alpha_map = np.zeros((1, 24, 192, 1), "float32")
    alpha_map[:, :, 96:] = 1.0
    got = np.asarray(with_alpha_map(model)({"image": image, "alpha": alpha_map}))
    at = lambda a: np.asarray(model({"image": image, "alpha": np.full((1, 1), a, "float32")}))  # noqa: E731
    np.testing.assert_allclose(got[:, :, :32], at(0.0)[:, :, :32], atol=1e-5)
    np.testing.assert_allclose(got[:, :, -32:], at(1.0)[:, :, -32:], atol=1e-5)
    assert not np.allclose(at(0.0), at(1.0), atol=1e-3)


def test_strides_follow_the_unet_levels_and_the_pyramid():
    strides = modulated_layer_strides(_model("dni", np.random.default_rng(0), levels=2))
    assert strides["level1_stem"] == 2 and strides["level0_stem"] == 1
    assert strides["level0_down0_stride"] == 1 and strides["level0_down1_stride"] == 2  # input resolution
    assert strides["level1_bottom_block0_conv"] == 8 and strides["level0_up1_expand"] == 4


def test_blind_model_is_refused():
    model = build_model(load_pipeline({"model": {"type": "resnet", "filters": 4, "no_layers": 1}}))
    with pytest.raises(ValueError, match="Expected a tunable model"):
        with_alpha_map(model)
