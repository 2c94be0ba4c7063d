import numpy as np

from tunablecnn.export.representative import representative_data

TUNABLE = {"model": {"input_shape": [None, None, 1]},
           "tunable": {"start": {"additional_noise": 15}, "end": {"additional_noise": 50}}}


def _clean(rng):
    return rng.random((3, 40, 40, 1)).astype(np.float32) * 0.5 + 0.25


def test_samples_sweep_alpha_through_both_signatures_with_rising_noise(rng):
    clean = _clean(rng)
    samples = list(representative_data(TUNABLE, clean, uint8=False, samples=6)())
    assert [name for name, _ in samples] == ["serving_default", "alpha_map"] * 6
    alphas = [inputs["alpha"].ravel()[0] for name, inputs in samples if name == "serving_default"]
    np.testing.assert_allclose(alphas, np.linspace(0, 1, 6))
    maps = [inputs for name, inputs in samples if name == "alpha_map"]
    assert all(m["alpha"].shape == (1, 40, 40, 1) for m in maps)
    noise = [np.std(inputs["image"][0] - clean[i % 3]) * 255 for i, (_, inputs) in enumerate(samples[::2])]
    np.testing.assert_allclose([noise[0], noise[-1]], [15, 50], rtol=0.1)  # sigma follows alpha, start to end
    assert samples[-1][1]["image"].dtype == np.float32 and samples[-1][1]["image"].min() < 0  # unclipped float input


def test_uint8_files_get_rounded_uint8_images_and_blind_models_no_alpha(rng):
    samples = list(representative_data(TUNABLE, _clean(rng), uint8=True, samples=2)())
    assert samples[0][1]["image"].dtype == np.uint8
    blind = list(representative_data({"model": {"input_shape": [None, None, 3]}}, None, uint8=True, samples=3)())
    assert [name for name, _ in blind] == ["serving_default"] * 3
    assert set(blind[0][1]) == {"image"} and blind[0][1]["image"].shape[-1] == 3  # the synthetic test image
