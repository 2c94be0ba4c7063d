"""Degradations y = A x of the restoration tasks and their HQS data steps.

Each operator has `degrade(x)` (make a measurement, for tests and reports), `initial(y)` (a first
estimate of x) and `solve(y, z, rho)`: argmin_x ||y - A x||^2 + rho ||x - z||^2, the data step
of half-quadratic splitting. Images are float arrays [H, W, C] in [0, 1].

Blur and downsampling use circular boundaries, so the data step has a closed form with FFTs
(Zhao et al. 2016, as in USRNet and DPIR); inpainting's data step is a masked average.
"""

import cv2
import numpy as np
from skimage.restoration import inpaint_biharmonic


class FourierOperator:
    """Blur with an OTF, then keep every `scale`-th pixel (scale 1: deblurring)."""

    def __init__(self, otf, scale=1):
        self.otf, self.scale = otf, scale

    def degrade(self, x):
        blurred = np.real(np.fft.ifft2(np.fft.fft2(x, axes=(0, 1)) * self.otf[..., None], axes=(0, 1)))
        return blurred[:: self.scale, :: self.scale]

    def initial(self, y):
        if self.scale == 1:
            return y.copy()
        height, width = self.otf.shape
        return cv2.resize(y, (width, height), interpolation=cv2.INTER_CUBIC).reshape(height, width, -1)

    def solve(self, y, z, rho):
        """Closed-form data step for blur + decimation (USRNet's data module, in numpy)."""
        s, fk = self.scale, self.otf[..., None]
        upsampled = np.zeros(fk.shape[:2] + y.shape[2:], np.float64)
        upsampled[::s, ::s] = y
        fr = np.conj(fk) * np.fft.fft2(upsampled, axes=(0, 1)) + rho * np.fft.fft2(z, axes=(0, 1))
        fbr = _block_mean(fk * fr, s)
        inv_w = _block_mean(np.abs(fk) ** 2, s)
        fx = (fr - np.conj(fk) * np.tile(fbr / (inv_w + rho), (s, s, 1))) / rho
        return np.real(np.fft.ifft2(fx, axes=(0, 1)))


class MaskOperator:
    """Keep the pixels where `known` is True (inpainting); the others are measured as 0."""

    def __init__(self, known):
        self.known = known[..., None].astype(np.float64)

    def degrade(self, x):
        return x * self.known

    def initial(self, y):
        """Missing pixels filled by biharmonic inpainting (scikit-image; a better start than OpenCV's
        Telea: +0.4-0.6 dB after HQS on Set12 images 01-02 at 50 % and 80 % missing)."""
        return inpaint_biharmonic(y, self.known[..., 0] == 0, channel_axis=-1)

    def solve(self, y, z, rho):
        return (self.known * y + rho * z) / (self.known + rho)


def psf_to_otf(kernel, shape):
    """The OTF of a blur kernel (its centre pixel at the origin) for images of `shape` (H, W)."""
    padded = np.zeros(shape, np.float64)
    padded[: kernel.shape[0], : kernel.shape[1]] = kernel
    padded = np.roll(padded, (-(kernel.shape[0] // 2), -(kernel.shape[1] // 2)), axis=(0, 1))
    return np.fft.fft2(padded)


def bicubic_otf(scale, shape):
    """OTF of bicubic downsampling by `scale` (antialiased, as MATLAB's imresize) for an HR image of `shape`.

    Output pixel j samples input position j*s + (s-1)/2 with the cubic kernel stretched by s, so
    bicubic downsampling is this blur followed by keeping every s-th pixel from the first.
    """
    offsets = np.arange(-2 * scale, 3 * scale)  # covers the support |d - (s-1)/2| < 2s
    taps = _cubic((offsets - (scale - 1) / 2) / scale)
    taps /= taps.sum()
    padded = np.zeros(shape, np.float64)
    rows, cols = np.meshgrid(-offsets % shape[0], -offsets % shape[1], indexing="ij")
    np.add.at(padded, (rows, cols), np.outer(taps, taps))
    return np.fft.fft2(padded)


def _cubic(u):
    """Keys' cubic convolution kernel (a = -0.5), as MATLAB's imresize uses."""
    u = np.abs(u)
    near = (1.5 * u**3 - 2.5 * u**2 + 1) * (u <= 1)
    far = (-0.5 * u**3 + 2.5 * u**2 - 4 * u + 2) * ((u > 1) & (u < 2))
    return near + far


def _block_mean(spectrum, s):
    """Mean over the s x s blocks of a spectrum [H, W, C] (aliasing of s-fold decimation)."""
    height, width = spectrum.shape[0] // s, spectrum.shape[1] // s
    return spectrum.reshape(s, height, s, width, -1).mean(axis=(0, 2))
