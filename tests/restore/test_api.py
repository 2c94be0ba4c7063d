import numpy as np
import pytest

from tunablecnn.metrics import psnr
from tunablecnn.restore import RestoreError, restore
from tunablecnn.restore.operators import FourierOperator, bicubic_otf, psf_to_otf


def _score(clean, restored):
    return psnr(clean * 255.0, np.clip(restored, 0, 1) * 255.0)


def test_deblurring_beats_the_blurred_input_and_reports_progress(denoiser, clean, kernel):
    x = clean[0]
    y = FourierOperator(psf_to_otf(kernel, x.shape[:2])).degrade(x) + np.random.default_rng(0).normal(0, 2 / 255, x.shape)
    steps = []
    restored = restore(y, "deblur", model=denoiser, kernel=kernel, noise_level=2.0, reference=x, on_step=steps.append)
    assert restored.dtype == np.float32 and restored.shape == x.shape
    assert _score(x, restored) > _score(x, y) + 2.0
    assert len(steps) == 8 and steps[-1].psnr == pytest.approx(_score(x, restored), abs=0.05)


def test_inpainting_a_uint8_gray_image_gives_uint8_of_its_shape(denoiser, clean):
    x = np.round(clean[1][..., 0] * 255).astype(np.uint8)
    missing = np.random.default_rng(1).random(x.shape) < 0.5
    restored = restore(np.where(missing, 0, x), "inpaint", model=denoiser, mask=missing)
    assert restored.dtype == np.uint8 and restored.shape == x.shape
    assert np.array_equal(restored[~missing], x[~missing])
    assert psnr(x, restored) > psnr(x, np.where(missing, 0, x)) + 10


def test_super_resolving_colour_with_a_gray_model_works_channel_by_channel(denoiser, clean):
    x = np.concatenate([clean[0], clean[1], clean[0][::-1]], axis=-1)
    low = FourierOperator(bicubic_otf(2, x.shape[:2]), 2).degrade(x)
    restored = restore(low, "super-resolve", model=denoiser, scale=2, iterations=3)
    assert restored.shape == x.shape
    upsampled = np.repeat(np.repeat(low, 2, axis=0), 2, axis=1)
    assert _score(x, restored) > _score(x, upsampled)


def test_an_integer_or_4d_input_is_refused(denoiser, kernel):
    with pytest.raises(RestoreError, match="dtype int64"):
        restore(np.zeros((16, 16), np.int64), "deblur", model=denoiser, kernel=kernel)
    with pytest.raises(RestoreError, match="shape"):
        restore(np.zeros((1, 16, 16, 1)), "deblur", model=denoiser, kernel=kernel)
