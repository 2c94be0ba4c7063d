import numpy as np
import pytest

from tests.helpers import check_layer
from tunablecnn.layers import AdaFM


def _inputs(rng, batch=2):
    return {
        "inputs": rng.normal(size=(batch, 9, 7, 4)).astype("float32"),
        "alpha": rng.random((batch, 1)).astype("float32"),
    }


@pytest.mark.parametrize("kernel_size", [1, 3, 5])
@pytest.mark.parametrize("use_bias", [False, True])
def test_layer_contract(kernel_size, use_bias, rng):
    layer = AdaFM(kernel_size, use_bias=use_bias)
    check_layer(layer, _inputs(rng), expected_shapes=(2, 9, 7, 4))
    assert len(layer.weights) == (2 if use_bias else 1)
    assert layer.residual_filter.shape == (kernel_size, kernel_size, 4, 1)


def test_new_layer_is_identity_for_every_alpha(rng):
    data = _inputs(rng)
    np.testing.assert_array_equal(np.asarray(AdaFM(3)(**data)), data["inputs"])


def test_alpha_zero_is_input_one_is_full_filter_and_between_interpolates(rng):
    layer = AdaFM(3, use_bias=True)
    x = rng.normal(size=(1, 6, 6, 2)).astype("float32")
    layer(x, np.zeros((1, 1), "float32"))
    layer.residual_filter.assign(rng.normal(size=(3, 3, 2, 1)).astype("float32"))
    layer.bias.assign(np.array([0.5, -1.0], "float32"))
    at = lambda a: np.asarray(layer(x, np.full((1, 1), a, "float32")))  # noqa: E731
    np.testing.assert_array_equal(at(0.0), x)
    # alpha = 1: depthwise conv with the full filter I + residual, plus bias (NumPy reference).
    full = np.zeros((3, 3, 2))
    full[1, 1] += 1.0
    full += np.asarray(layer.residual_filter)[..., 0]
    padded = np.pad(x[0], ((1, 1), (1, 1), (0, 0)))
    reference = sum(padded[i : i + 6, j : j + 6] * full[i, j] for i in range(3) for j in range(3)) + [0.5, -1.0]
    np.testing.assert_allclose(at(1.0)[0], reference, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(at(0.25), 0.75 * at(0.0) + 0.25 * at(1.0), rtol=1e-5, atol=1e-5)


def test_each_sample_gets_its_own_alpha(rng):
    layer = AdaFM(3)
    data = _inputs(rng, batch=3)
    layer(**data)
    layer.residual_filter.assign(rng.normal(size=layer.residual_filter.shape).astype("float32"))
    batched = np.asarray(layer(**data))
    for i in range(3):
        alone = np.asarray(layer(data["inputs"][i : i + 1], data["alpha"][i : i + 1]))
        np.testing.assert_allclose(batched[i : i + 1], alone, rtol=1e-6, atol=1e-6)


def test_bad_arguments():
    with pytest.raises(ValueError, match="Expected kernel_size 1, 3 or 5. Received: kernel_size=2"):
        AdaFM(2)
