"""Per-sample statistics that scale with the input, for scale-invariant gates, masks and normalization.

No absolute epsilon: `x + 1e-12` (or `1e-6`) is not homogeneous, and on faint or rescaled inputs
its share of the statistic is visible (a fixed epsilon cost LocalNormalization 9% of the correction
on a near-flat image at c = 0.1). Statistics are computed in float32 and floored only at TINY, the
smallest normal float32, which keeps an all-zero input finite (0 / sqrt(TINY) = 0) and leaves any
image-like input (mean square far above 1e-38) exactly homogeneous.
"""

from keras import ops

TINY = 1.1754944e-38  # numpy.finfo("float32").tiny


def per_sample_rms(x, axis):
    """Root mean square over `axis` (kept), in float32: `rms(c * x) = c * rms(x)` for c > 0."""
    mean_square = ops.mean(ops.square(ops.cast(x, "float32")), axis=axis, keepdims=True)
    return ops.sqrt(ops.maximum(mean_square, TINY))


def scale_free(x, axis):
    """`x / rms(x)` over `axis`, computed in float32 and cast back: unchanged when x is scaled by c > 0."""
    return ops.cast(ops.cast(x, "float32") / per_sample_rms(x, axis), x.dtype)
