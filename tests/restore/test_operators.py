import numpy as np
import pytest
import scipy.ndimage

from tunablecnn.restore.operators import FourierOperator, MaskOperator, bicubic_otf, psf_to_otf

RNG = np.random.default_rng(0)


def test_fourier_blur_is_circular_convolution_with_the_kernel():
    image, kernel = RNG.random((24, 32, 1)), RNG.random((5, 7))
    blurred = FourierOperator(psf_to_otf(kernel, (24, 32))).degrade(image)
    expected = scipy.ndimage.convolve(image[..., 0], kernel, mode="wrap")
    np.testing.assert_allclose(blurred[..., 0], expected, atol=1e-12)


@pytest.mark.parametrize("scale", [2, 3, 4])
def test_bicubic_downsampling_keeps_a_linear_ramp_at_the_pixel_centres(scale):
    # The cubic kernel reproduces linear functions, so output pixel j must hold input position j*s + (s-1)/2.
    ramp = np.tile(np.arange(48, dtype=np.float64), (48, 1))[..., None]
    low = FourierOperator(bicubic_otf(scale, (48, 48)), scale).degrade(ramp)[..., 0]
    inner = slice(2, 48 // scale - 2)
    expected = np.arange(48 // scale) * scale + (scale - 1) / 2
    np.testing.assert_allclose(low[inner, inner], np.tile(expected[inner], (len(expected[inner]), 1)), atol=1e-9)


@pytest.mark.parametrize("scale", [1, 2, 3])
def test_fourier_data_step_minimizes_the_hqs_objective(scale):
    operator = FourierOperator(bicubic_otf(scale, (24, 24)) if scale > 1 else psf_to_otf(np.eye(5) / 5, (24, 24)), scale)
    y, z, rho = RNG.random((24 // scale, 24 // scale, 1)), RNG.random((24, 24, 1)), 0.3
    objective = lambda x: np.sum((operator.degrade(x) - y) ** 2) + rho * np.sum((x - z) ** 2)  # noqa: E731
    best = operator.solve(y, z, rho)
    for _ in range(5):
        assert objective(best) < objective(best + 1e-3 * RNG.standard_normal(best.shape))


def test_mask_data_step_keeps_known_pixels_and_takes_the_prior_elsewhere():
    known = RNG.random((16, 16)) < 0.5
    operator = MaskOperator(known)
    x, z = RNG.random((16, 16, 1)), RNG.random((16, 16, 1))
    solved = operator.solve(operator.degrade(x), z, 1e-9)
    np.testing.assert_allclose(solved[known], x[known], atol=1e-6)
    np.testing.assert_allclose(solved[~known], z[~known])
    start = operator.initial(operator.degrade(x))
    assert np.all(start[~known] > 0) and np.allclose(start[known], x[known])
