import numpy as np

from tunablecnn.restore.prior import DenoisingPrior


def test_below_its_start_level_a_tunable_model_denoises_at_the_start_level(denoiser):
    """The calibration reaches below sigma 15 (alpha < 0), but HQS keeps the trained range."""
    prior = DenoisingPrior(denoiser)
    assert denoiser.alpha_for_level(5) < 0  # the extrapolation exists ...
    assert prior.level_used(5) == prior.level_used(15) == 15 and prior.level_used(30) == 30  # ... and is not used
    image = np.random.default_rng(0).random((24, 24, 1))
    np.testing.assert_array_equal(prior(image, 5), prior(image, 15))


def test_with_extrapolate_a_tunable_model_follows_its_calibration_below_the_start(denoiser):
    """Inpainting's default: below sigma 15 the model denoises more weakly (alpha < 0)."""
    prior = DenoisingPrior(denoiser, extrapolate=True)
    assert prior.level_used(5) == 5 and prior.level_used(1) == prior.lowest == 2.5  # the calibration's lowest level
    image = np.random.default_rng(0).random((24, 24, 1))
    weak, start = prior(image, 5), prior(image, 15)
    assert np.abs(weak - image).mean() < np.abs(start - image).mean()  # weaker denoising changes the input less
