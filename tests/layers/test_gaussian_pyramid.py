import numpy as np
import pytest

from tests.helpers import check_layer
from tunablecnn.layers import GaussianPyramid
from tunablecnn.layers.gaussian_pyramid import binomial_kernel


def test_layer_contract(rng):
    x = rng.random((2, 37, 53, 3)).astype("float32")
    check_layer(GaussianPyramid(levels=3), x, expected_shapes=[(2, 37, 53, 3), (2, 19, 27, 3), (2, 10, 14, 3)])


@pytest.mark.parametrize("size", [3, 5])
def test_blur_weights_sum_to_one(size):
    assert binomial_kernel(size).sum() == pytest.approx(1.0)


@pytest.mark.parametrize(("height", "width"), [(37, 53), (1, 1), (2, 3), (64, 64)])
def test_level_sizes_are_ceil_halvings(height, width):
    levels = GaussianPyramid(levels=4)(np.zeros((1, height, width, 1), "float32"))
    for k, level in enumerate(levels):
        assert level.shape[1:3] == (-(-height // 2**k), -(-width // 2**k))


def test_constant_image_stays_constant_at_every_level_and_channel():
    x = np.broadcast_to(np.array([0.2, 0.5, 0.9], "float32"), (1, 37, 53, 3))
    for level in GaussianPyramid(levels=4)(x):
        np.testing.assert_allclose(np.asarray(level), np.broadcast_to(x[:, :1, :1], level.shape), rtol=1e-6)


def test_channels_are_blurred_independently(rng):
    x = rng.random((1, 16, 16, 3)).astype("float32")
    coarse = np.asarray(GaussianPyramid(levels=2)(x)[1])
    for c in range(3):
        alone = np.asarray(GaussianPyramid(levels=2)(x[..., c : c + 1])[1])
        np.testing.assert_allclose(coarse[..., c : c + 1], alone, rtol=1e-6)


def test_bad_arguments():
    with pytest.raises(ValueError, match="Expected levels >= 1. Received: levels=0"):
        GaussianPyramid(levels=0)
    with pytest.raises(ValueError, match="Expected kernel_size 3 or 5"):
        GaussianPyramid(kernel_size=7)
