import numpy as np
import pytest

from tests.helpers import check_layer
from tunablecnn.layers import PoolToMatch


def test_block_means_over_a_padded_image(rng):
    alpha_map = rng.random((2, 9, 7, 1)).astype("float32")
    reference = np.zeros((2, 3, 2, 5), "float32")  # a U-Net level at stride 4 of the image padded to 12 x 8
    pooled = np.asarray(check_layer(PoolToMatch(4), {"inputs": alpha_map, "reference": reference},
                                    expected_shapes=(2, 3, 2, 1), fit=False))
    rows, cols = np.minimum(np.arange(12), 8), np.minimum(np.arange(8), 6)  # last row and column repeated
    padded = alpha_map[:, rows][:, :, cols]
    expected = padded.reshape(2, 3, 4, 2, 4, 1).mean(axis=(2, 4))
    np.testing.assert_allclose(pooled, expected, rtol=1e-6)


def test_stride_one_repeats_the_edge_and_a_constant_map_stays_constant():
    constant = np.full((1, 37, 53, 1), 0.3, "float32")
    for stride, size in ((1, (40, 56)), (2, (20, 28)), (8, (5, 7)), (4, (10, 14))):
        pooled = np.asarray(PoolToMatch(stride)(constant, np.zeros((1, *size, 3), "float32")))
        assert pooled.shape == (1, *size, 1)
        np.testing.assert_allclose(pooled, 0.3, rtol=1e-6)


def test_bad_stride():
    with pytest.raises(ValueError, match="Expected stride >= 1. Received: stride=0"):
        PoolToMatch(0)
