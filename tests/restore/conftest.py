import numpy as np
import pytest
import skimage.data

import tunablecnn


@pytest.fixture(scope="session")
def denoiser():
    """The smallest bundled tunable model (gray, trained for sigma 15-50, calibrated 2.5-50)."""
    return tunablecnn.load_model("adafm-unet16-gray-15-50")


@pytest.fixture(scope="session")
def clean():
    """Two 96 x 96 gray crops of scikit-image's camera picture, float in [0, 1], [H, W, 1]."""
    camera = skimage.data.camera().astype(np.float64) / 255.0
    return [camera[100:196, 200:296, None], camera[300:396, 80:176, None]]


@pytest.fixture(scope="session")
def kernel():
    """A 9 x 9 diagonal motion-blur kernel (sum 1)."""
    return np.eye(9) / 9.0
