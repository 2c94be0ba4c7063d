import numpy as np
import pytest

from tunablecnn.inference.calibration import (ALPHA_RANGE, MAX_PSNR, _psnr, alpha_for_level, calibration_levels,
                                             map_range_note, measure_calibration)
from tunablecnn.metrics import psnr

TABLE = [{"level": 15.0, "alpha": 0.0, "psnr": 0}, {"level": 25.0, "alpha": 0.4, "psnr": 0},
         {"level": 50.0, "alpha": 1.0, "psnr": 0}]


def test_levels_cover_start_to_end_after_five_levels_below_the_start():
    assert calibration_levels(15, 50) == [2.5, 5, 7.5, 10, 12.5, 15, 20, 25, 30, 35, 40, 45, 50]
    assert calibration_levels(0, 50, step=25) == [0, 25, 50]  # nothing below sigma 0
    assert calibration_levels(50, 15, step=35) == [50, 15]  # alpha < 0 would go above the start: not measured


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
    # Below the start it extrapolates: sigma 5 and 10 want alpha (sigma - 15) / 35 < 0.
    table = measure_calibration(denoise, clean, [5, 10, 15], extrapolate_below=15)
    np.testing.assert_allclose([row["alpha"] for row in table], [-10 / 35, -5 / 35, 0.0], atol=0.06)
    # Without extrapolation the grid stops at alpha 0.
    assert [row["alpha"] for row in measure_calibration(denoise, clean, [5])] == [0.0]


def test_extrapolated_alphas_are_interpolated_and_clamped_to_the_alpha_range():
    table = [{"level": 5.0, "alpha": -1.0, "psnr": 0}, *TABLE]
    assert alpha_for_level(table, 10) == pytest.approx(-0.5)
    assert alpha_for_level(table, 1) == -1.0  # below the table: its lowest entry
    assert alpha_for_level([{"level": 5.0, "alpha": -9.0, "psnr": 0}, *TABLE], 5) == ALPHA_RANGE[0]


def test_psnr_is_the_mean_of_per_image_metrics_psnr_of_the_clipped_output(rng):
    clean = rng.random((3, 16, 16, 1)).astype(np.float32)
    restored = clean + rng.normal(0, 0.1, clean.shape).astype(np.float32)  # partly outside [0, 1]
    expected = np.mean([psnr(c, np.clip(r, 0, 1), peak=1.0) for c, r in zip(clean, restored)])
    assert _psnr(clean, restored) == expected


def test_psnr_keeps_the_numbers_of_the_float32_formula_it_replaced(rng):
    """Before it used `tunablecnn.metrics.psnr`, calibration computed PSNR in float32 like this."""
    clean = rng.random((4, 24, 24, 3)).astype(np.float32)
    restored = clean + rng.normal(0, 0.05, clean.shape).astype(np.float32)
    mse = np.mean((np.clip(restored, 0, 1) - clean) ** 2, axis=(1, 2, 3))
    before = float(np.mean(10 * np.log10(1.0 / np.maximum(mse, 1e-12))))
    assert _psnr(clean, restored) == pytest.approx(before, abs=1e-4)


def test_a_perfect_image_counts_as_max_psnr_not_infinity(rng):
    clean = 0.5 * rng.random((2, 8, 8, 1)).astype(np.float32)
    restored = clean.copy()
    restored[1] += 0.1
    assert _psnr(clean, restored) == pytest.approx((MAX_PSNR + 20.0) / 2)


def test_a_sigma_map_is_mapped_per_pixel():
    sigmas = np.array([[5.0, 20.0], [37.5, 80.0]], np.float32)
    alphas = alpha_for_level(TABLE, sigmas)
    assert alphas.dtype == np.float32 and alphas.shape == (2, 2)
    np.testing.assert_allclose(alphas, [[0.0, 0.2], [0.7, 1.0]], atol=1e-6)


def test_map_range_note_counts_the_pixels_outside():
    assert map_range_note(TABLE, np.array([15.0, 30.0, 50.0]), "the map") is None
    note = map_range_note(TABLE, np.array([10.0, 30.0, 30.0, 60.0]), "the map")
    assert note == ("the map spans sigma 10.0-60.0; 50 % of its pixels lie outside the calibrated range "
                    "(sigma 15-50) and use the alpha of its nearest end")
