import numpy as np
import pytest

from tunablecnn import build_model, load_pipeline
from tunablecnn.models.transfer import copy_base_weights

LEVELS = {"start": {"additional_noise": 15}, "end": {"additional_noise": 50}}


def _model(method=None, filters=4):
    pipeline = {"model": {"type": "unet", "filters": filters, "depth": 2, "no_layers": 1}}
    if method:
        pipeline["tunable"] = {"type": method, **LEVELS}
    return build_model(load_pipeline(pipeline))


@pytest.mark.parametrize("target_method", ["ftn", "dni", "cfsnet", "dynamic", None])
def test_every_method_starts_from_the_same_base(target_method):
    source, target = _model("adafm"), _model(target_method)
    assert copy_base_weights(source, target) > 0
    x = np.random.default_rng(0).random((1, 16, 16, 1)).astype("float32")
    alpha = np.zeros((1, 1), "float32")
    restored = target({"image": x, "alpha": alpha}) if target_method else target(x)
    np.testing.assert_allclose(np.asarray(restored), np.asarray(source({"image": x, "alpha": alpha})), atol=1e-5)


def test_a_different_width_is_refused_naming_the_weights():
    with pytest.raises(ValueError, match=r"the base networks differ \(other shapes backbone_stem/kernel"):
        copy_base_weights(_model("adafm", filters=4), _model("ftn", filters=8))
