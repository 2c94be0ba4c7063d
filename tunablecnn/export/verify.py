"""Export self-verification: Keras, SavedModel and TFLite must agree on a test image."""

import numpy as np

VERIFY_ALPHAS = (0.0, 0.25, 0.5, 0.75, 1.0)
VERIFY_MAP = "ramp"  # an alpha map rising from 0 at the left to 1 at the right (the alpha-map signature)


class VerificationError(RuntimeError):
    """An exported model disagrees with the Keras model by more than the allowed gray levels."""


def test_image(channels, size=64, seed=0):
    """A deterministic uint8 test image: smooth gradients plus texture, so every path is exercised."""
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:size, 0:size] / size
    base = 0.5 + 0.3 * np.sin(6 * x) * np.cos(4 * y)
    image = base[..., None] + 0.1 * rng.normal(size=(size, size, channels))
    return np.clip(image * 255, 0, 255).astype(np.uint8)[None]


def alpha_input(image, alpha):
    """The `alpha` input for a batch `image` [N, H, W, C]: `[N, 1]` for a number, a map `[N, H, W, 1]` for `VERIFY_MAP`."""
    n, h, w = np.shape(image)[:3]
    if alpha == VERIFY_MAP:
        ramp = np.linspace(0.0, 1.0, w, dtype=np.float32)
        return np.broadcast_to(ramp[None, None, :, None], (n, h, w, 1)).copy()
    return np.full((n, 1), alpha, np.float32)


def compare(reference, candidates, image, alphas):
    """Largest |difference| in gray levels between `reference` and each candidate, per alpha.

    Each argument is `fn(image_uint8, alpha_or_None) -> uint8`, where alpha is a number or
    `VERIFY_MAP`; returns `{name: {alpha: diff}}`.
    """
    result = {}
    for name, candidate in candidates.items():
        diffs = {}
        for alpha in alphas:
            expected = np.asarray(reference(image, alpha), np.int32)
            diffs[_key(alpha)] = int(np.abs(np.asarray(candidate(image, alpha), np.int32) - expected).max())
        result[name] = diffs
    return result


def check(differences, tolerance):
    worst = max((d, name, alpha) for name, per in differences.items() for alpha, d in per.items())
    if worst[0] > tolerance:
        raise VerificationError(
            f"{worst[1]} output differs from Keras by {worst[0]} gray levels at alpha {worst[2]} "
            f"(allowed {tolerance}); the export is not faithful"
        )


def _key(alpha):
    return "blind" if alpha is None else alpha if isinstance(alpha, str) else f"{alpha:g}"
