import numpy as np
import pytest

from tests.helpers import check_layer
from tunablecnn.layers import BiasFreeBatchNorm


def test_layer_contract(rng):
    check_layer(BiasFreeBatchNorm(), rng.normal(size=(2, 9, 7, 4)).astype("float32"), expected_shapes=(2, 9, 7, 4))


def test_inference_is_scale_equivariant_without_any_offset(rng):
    layer = BiasFreeBatchNorm()
    x = rng.normal(size=(2, 8, 8, 3)).astype("float32") + 5.0  # a large mean must not be subtracted
    layer(x, training=True)
    y = np.asarray(layer(x, training=False))
    for c in (0.5, 2.0, 7.0):
        np.testing.assert_allclose(np.asarray(layer(c * x, training=False)), c * y, rtol=1e-5, atol=1e-6)
    np.testing.assert_array_equal(np.asarray(layer(np.zeros_like(x), training=False)), 0.0)


def test_training_normalizes_by_batch_std_and_moves_statistics(rng):
    layer = BiasFreeBatchNorm(momentum=0.0, epsilon=1e-6)
    x = (3.0 * rng.normal(size=(4, 16, 16, 2)) + 1.0).astype("float32")
    y = np.asarray(layer(x, training=True))
    np.testing.assert_allclose(y.std(axis=(0, 1, 2)), 1.0, rtol=1e-3)
    np.testing.assert_allclose(y.mean(axis=(0, 1, 2)), x.mean(axis=(0, 1, 2)) / x.std(axis=(0, 1, 2)), rtol=1e-3)
    # momentum 0: the moving variance is the last batch's, so inference matches training.
    np.testing.assert_allclose(np.asarray(layer(x, training=False)), y, rtol=1e-4, atol=1e-5)


def test_statistics_frozen_when_not_training_or_not_trainable(rng):
    x = (3.0 * rng.normal(size=(2, 8, 8, 2))).astype("float32")
    layer = BiasFreeBatchNorm(momentum=0.0)
    layer(x, training=False)
    np.testing.assert_array_equal(np.asarray(layer.moving_variance), 1.0)
    layer.trainable = False
    y = np.asarray(layer(x, training=True))
    np.testing.assert_array_equal(np.asarray(layer.moving_variance), 1.0)
    np.testing.assert_allclose(y, x / np.sqrt(1.0 + layer.epsilon), rtol=1e-6)  # frozen: moving statistics


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"momentum": 1.0}, "Expected momentum in [0, 1). Received: momentum=1.0"),
    ({"epsilon": 0.0}, "Expected epsilon > 0. Received: epsilon=0.0"),
])
def test_bad_arguments(kwargs, message):
    with pytest.raises(ValueError, match=message.replace("[", r"\[").replace(")", r"\)").replace("(", r"\(")):
        BiasFreeBatchNorm(**kwargs)
