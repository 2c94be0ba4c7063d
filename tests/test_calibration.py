import numpy as np
import pytest

from tunablecnn.calibration import alpha_for_level, calibration_levels, measure_calibration

TABLE = [{"level": 15.0, "alpha": 0.0, "psnr": 0}, {"level": 25.0, "alpha": 0.4, "psnr": 0},
         {"level": 50.0, "alpha": 1.0, "psnr": 0}]


def test_levels_cover_start_to_end():
    assert calibration_levels(15, 50) == [15, 20, 25, 30, 35, 40, 45, 50]


def test_alpha_is_interpolated_and_clamped():
    assert alpha_for_level(TABLE, 20) == pytest.approx(0.2)
    assert alpha_for_level(TABLE, 37.5) == pytest.approx(0.7)
    assert alpha_for_level(TABLE, 5) == 0.0 and alpha_for_level(TABLE, 80) == 1.0


def test_empty_table_is_an_error():
    with pytest.raises(ValueError, match="no level calibration"):
        alpha_for_level([], 20)


def test_measurement_finds_the_alpha_of_a_known_denoiser():
    """A fake tunable denoiser that removes exactly the noise of sigma 15 + 35 * alpha: the
    calibration must find alpha = (sigma - 15) / 35 at every level."""
    rng = np.random.default_rng(0)
    clean = rng.random((2, 32, 32, 1)).astype(np.float32)

    def denoise(noisy, alpha):
        residual = noisy - clean
        target = (15 + 35 * alpha) / 255
        return clean + residual * np.clip(1 - target / (residual.std() + 1e-9), -1, 1) ** 2

    table = measure_calibration(denoise, clean, [15, 32.5, 50])
    np.testing.assert_allclose([row["alpha"] for row in table], [0.0, 0.5, 1.0], atol=0.06)
    assert all(row["psnr"] > 30 for row in table)
