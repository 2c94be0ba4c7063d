import numpy as np

from tunablecnn.inference.self_ensemble import TRANSFORMS, transform, untransform, self_ensemble


def _position_dependent(batch):
    """A 'denoiser' that is not equivariant: it adds a ramp that depends on the pixel position."""
    ramp = np.arange(batch.shape[1])[None, :, None, None] * 0.01 + np.arange(batch.shape[2])[None, None, :, None] * 0.003
    return batch + ramp


def test_covers_the_eight_distinct_flips_and_rotations(rng):
    image = rng.random((1, 5, 5, 1))
    assert len(TRANSFORMS) == 8
    distinct = {transform(image, t, f).tobytes() for t, f in TRANSFORMS}
    assert len(distinct) == 8
    for turns, flip in TRANSFORMS:
        np.testing.assert_array_equal(untransform(transform(image, turns, flip), turns, flip), image)


def test_an_equivariant_denoiser_is_unchanged(rng):
    batch = rng.random((2, 6, 9, 3)).astype(np.float32)
    np.testing.assert_allclose(self_ensemble(np.square, batch), np.square(batch), rtol=1e-6)


def test_the_result_is_equivariant_even_when_the_denoiser_is_not(rng):
    batch = rng.random((2, 6, 9, 1)).astype(np.float32)  # not square: rotations change the shape
    plain = _position_dependent(np.rot90(batch, 1, axes=(1, 2)))
    assert not np.allclose(plain, np.rot90(_position_dependent(batch), 1, axes=(1, 2)))
    ensembled = self_ensemble(_position_dependent, batch)
    for turns, flip in TRANSFORMS:  # transform is checked against its inverse above
        np.testing.assert_allclose(self_ensemble(_position_dependent, transform(batch, turns, flip)),
                                   transform(ensembled, turns, flip), atol=1e-6)


def test_an_alpha_map_turns_with_the_batch(rng):
    batch = rng.random((1, 6, 9, 1)).astype(np.float32)
    alpha_map = rng.random((1, 6, 9, 1)).astype(np.float32)
    # A pixelwise 'denoiser' that uses each pixel's alpha: exactly equivariant only if the map turns too.
    result = self_ensemble(lambda view, local: view * local, batch, alpha_map=alpha_map)
    np.testing.assert_allclose(result, batch * alpha_map, rtol=1e-6)
