import numpy as np
import pytest

from tunablecnn.train.losses import per_example_loss, psnr

CONFIG = {"hinge": 0.0, "mae_multiplier": 1.0, "mse_multiplier": 0.0, "regularization": 0.0}


def test_mae_of_known_errors():
    clean = np.zeros((2, 2, 2, 1), "float32")
    restored = clean + np.array([0.1, 0.3], "float32")[:, None, None, None]
    np.testing.assert_allclose(per_example_loss(clean, restored, CONFIG).numpy(), [0.1, 0.3], rtol=1e-6)


def test_hinge_ignores_small_errors_and_shifts_large_ones():
    clean = np.zeros((1, 1, 2, 1), "float32")
    restored = np.array([[[[0.05], [0.5]]]], "float32")
    loss = per_example_loss(clean, restored, {**CONFIG, "hinge": 0.1}).numpy()
    np.testing.assert_allclose(loss, [(0.0 + 0.4) / 2], rtol=1e-6)


def test_multipliers_weight_mae_and_mse():
    clean, restored = np.zeros((1, 1, 1, 1), "float32"), np.full((1, 1, 1, 1), 0.5, "float32")
    loss = per_example_loss(clean, restored, {**CONFIG, "mae_multiplier": 2.0, "mse_multiplier": 4.0}).numpy()
    np.testing.assert_allclose(loss, [2 * 0.5 + 4 * 0.25], rtol=1e-6)


def test_psnr_of_known_mse():
    clean = np.zeros((1, 4, 4, 1), "float32")
    restored = clean + 0.1  # mse 0.01 -> 20 dB
    assert float(psnr(clean, restored)) == pytest.approx(20.0, abs=1e-4)
