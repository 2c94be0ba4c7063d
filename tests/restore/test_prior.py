import numpy as np

from tunablecnn.restore.prior import DenoisingPrior


def test_below_its_start_level_a_tunable_model_denoises_at_the_start_level(denoiser):
    """The calibration reaches below sigma 15 (alpha < 0), but HQS keeps the trained range."""
    prior = DenoisingPrior(denoiser)
    assert denoiser.alpha_for_level(5) < 0  # the extrapolation exists ...
    assert prior.level_used(5) == prior.level_used(15) == 15 and prior.level_used(30) == 30  # ... and is not used
    image = np.random.default_rng(0).random((24, 24, 1))
    np.testing.assert_array_equal(prior(image, 5), prior(image, 15))
