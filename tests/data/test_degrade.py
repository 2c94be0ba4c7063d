import numpy as np
import pytest
import tensorflow as tf

from tunablecnn.data.degrade import (
    _gaussian_kernel,
    additive_noise,
    degrade,
    gaussian_blur,
    multiplicative_noise,
    sample_sigma,
    subsample,
)


def _seed(index):
    return tf.constant([index, 3], tf.int64)


@pytest.fixture
def image(rng):
    return tf.constant(rng.random((64, 64, 1)), tf.float32)


def _high_frequency_energy(x):
    x = np.asarray(x)
    return np.mean(np.diff(x, axis=0) ** 2) + np.mean(np.diff(x, axis=1) ** 2)


@pytest.mark.parametrize("sigma", [5.0, 25.0, 50.0])
def test_additive_noise_has_std_sigma_over_255_and_is_not_clipped(image, sigma):
    noisy = additive_noise(image, sigma, _seed(0))
    assert float(tf.math.reduce_std(noisy - image)) == pytest.approx(sigma / 255, rel=0.05)
    if sigma == 50.0:
        assert float(tf.reduce_min(noisy)) < 0 and float(tf.reduce_max(noisy)) > 1


def test_choice_sampling_draws_each_listed_sigma_only():
    draws = {float(sample_sigma([10, 25, 50], "choice", _seed(i))) for i in range(60)}
    assert draws == {10.0, 25.0, 50.0}


def test_uniform_sampling_covers_the_range():
    draws = np.array([float(sample_sigma([5, 50], "uniform", _seed(i))) for i in range(200)])
    assert draws.min() >= 5 and draws.max() <= 50
    assert draws.min() < 10 and draws.max() > 45 and len(np.unique(draws)) == 200


def test_unknown_sampling_raises():
    with pytest.raises(ValueError, match="Expected noise_sampling in"):
        sample_sigma([5], "normal", _seed(0))


def test_multiplicative_noise_scales_with_the_image():
    flat = tf.fill([64, 64, 1], 0.5)
    noisy = multiplicative_noise(flat, 0.2, _seed(0))
    assert float(tf.math.reduce_std(noisy / flat - 1)) == pytest.approx(0.2, rel=0.05)
    np.testing.assert_array_equal(multiplicative_noise(tf.zeros([4, 4, 1]), 0.2, _seed(0)), 0.0)


@pytest.mark.parametrize("factor", [2, 4, 8])
def test_subsampling_removes_high_frequencies_more_for_larger_factors(image, factor):
    result = subsample(image, factor)
    assert result.shape == image.shape
    ratio = _high_frequency_energy(result) / _high_frequency_energy(image)
    assert ratio < 0.5 / factor
    flat = tf.fill([16, 16, 1], 0.3)
    np.testing.assert_allclose(subsample(flat, factor), 0.3, atol=1e-6)


def test_blur_reduces_variance_and_keeps_flat_images(image):
    blurred = gaussian_blur(image)
    assert blurred.shape == image.shape
    assert float(tf.math.reduce_variance(blurred)) < 0.3 * float(tf.math.reduce_variance(image))
    np.testing.assert_allclose(gaussian_blur(tf.fill([9, 9, 3], 0.7)), 0.7, atol=1e-6)
    assert _gaussian_kernel(1.0, 5).sum() == pytest.approx(1.0)


def test_degrade_with_zero_noise_and_nothing_else_is_the_identity(image):
    np.testing.assert_array_equal(degrade(image, _seed(0), sigmas=[0]), image)


def test_random_blur_hits_about_half_the_images(image):
    blurred = [not np.array_equal(degrade(image, _seed(i), sigmas=[0], blur=True), image) for i in range(40)]
    assert 10 <= sum(blurred) <= 30


def test_noise_comes_after_blur_and_subsampling(image):
    # Blur first, then noise: the residual from the blurred image is pure noise of the right std.
    for i in range(4):
        out = degrade(image, _seed(i), sigmas=[20], blur=True, subsample_sizes=(2,))
        smooth = subsample(image, 2)
        smooth_blurred = subsample(gaussian_blur(image), 2)
        residual = min(float(tf.math.reduce_std(out - s)) for s in (smooth, smooth_blurred))
        assert residual == pytest.approx(20 / 255, rel=0.06)
