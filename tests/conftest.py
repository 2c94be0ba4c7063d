import keras
import numpy as np
import pytest

from tests.exported import make_exported_model


@pytest.fixture(autouse=True)
def _seeded():
    """Every test starts from the same random state, so failures reproduce."""
    keras.utils.set_random_seed(1234)


@pytest.fixture
def rng():
    return np.random.default_rng(1234)


@pytest.fixture(scope="session")
def exported_tunable(tmp_path_factory):
    """Folder of a tiny trained, exported and calibrated gray AdaFM model."""
    return make_exported_model(tmp_path_factory.mktemp("tunable"))


@pytest.fixture(scope="session")
def exported_blind_color(tmp_path_factory):
    """Folder of a tiny trained and exported blind RGB model."""
    return make_exported_model(tmp_path_factory.mktemp("blind"), tunable=False, channels=3)
