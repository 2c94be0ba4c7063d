"""Per-sample statistics that scale with the input, for scale-invariant gates and masks."""

from keras import ops

TINY = 1e-12


def per_sample_rms(x, axis):
    """Root mean square over `axis` (kept), so that `x / rms(x)` does not change when x is scaled."""
    return ops.sqrt(ops.mean(ops.square(x), axis=axis, keepdims=True) + TINY)
