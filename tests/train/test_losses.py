import numpy as np
import pytest
import tensorflow as tf

from tunablecnn import metrics
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


def test_validation_psnr_is_metrics_psnr_per_image_on_any_scale(rng):
    """Training validation and evaluation measure PSNR the same way (clipped output, mean over images)."""
    clean = rng.random((3, 16, 16, 1)).astype("float32")
    restored = clean + rng.normal(0, [[[[0.02]]], [[[0.05]]], [[[0.1]]]], clean.shape).astype("float32")
    train_time = psnr(tf.constant(clean), tf.constant(restored))
    evaluation = [metrics.score_image(c * 255, r * 255)[0] for c, r in zip(clean, restored)]
    assert train_time == pytest.approx(np.mean(evaluation), abs=1e-6)
    clipped = tf.clip_by_value(restored, 0.0, 1.0)
    assert train_time == pytest.approx(float(tf.reduce_mean(tf.image.psnr(clean, clipped, max_val=1.0))), abs=1e-3)
