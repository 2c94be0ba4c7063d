"""Geometric self-ensemble: average a denoiser over the 8 flips and 90-degree rotations of its input.

Noise statistics do not change under these transforms but a CNN's errors do, so the mean of
the 8 back-transformed results is a better estimate (typically +0.1-0.2 dB) for 8x the time.
The result is exactly equivariant to flips and 90-degree rotations.
"""

import numpy as np

TRANSFORMS = [(turns, flip) for turns in range(4) for flip in (False, True)]


def self_ensemble(denoise, batch, alpha_map=None):
    """Mean of `untransform(denoise(transform(batch)))` over `TRANSFORMS`; `batch` is float [N, H, W, C].

    With `alpha_map` ([N, H, W, 1], one alpha per pixel) the map turns with the batch:
    `denoise(view, map_view)`.
    """
    total = np.zeros(batch.shape, np.float64)
    for turns, flip in TRANSFORMS:
        view = np.ascontiguousarray(transform(batch, turns, flip))
        if alpha_map is None:
            restored = denoise(view)
        else:
            restored = denoise(view, np.ascontiguousarray(transform(alpha_map, turns, flip)))
        total += untransform(np.asarray(restored, np.float64), turns, flip)
    return (total / len(TRANSFORMS)).astype(np.float32)


def transform(batch, turns, flip):
    """`batch` [N, H, W, C] turned `turns` times 90 degrees, then mirrored left-right if `flip`."""
    rotated = np.rot90(batch, turns, axes=(1, 2))
    return rotated[:, :, ::-1] if flip else rotated


def untransform(batch, turns, flip):
    """The inverse of `transform(batch, turns, flip)`."""
    unflipped = batch[:, :, ::-1] if flip else batch
    return np.rot90(unflipped, -turns, axes=(1, 2))
