import math

import keras
import numpy as np
from keras import ops


def binomial_kernel(size=5):
    """Normalized 2-D binomial kernel (the classic Gaussian-pyramid filter): weights sum to 1."""
    row = np.array([math.comb(size - 1, i) for i in range(size)], dtype="float32")
    kernel = np.outer(row, row)
    return kernel / kernel.sum()


def normalized_blur(x, kernel):
    """Blur every channel with `kernel` [k, k]; at the borders divide by the kernel mass inside the image.

    Dividing by the blurred all-ones image keeps a constant image constant up to the
    border and works for any size (no reflect padding that would need H, W > k / 2).
    """
    k = kernel.shape[0]
    channels = x.shape[-1]
    depthwise = ops.convert_to_tensor(np.tile(kernel[:, :, None, None], (1, 1, channels, 1)), dtype=x.dtype)
    single = ops.convert_to_tensor(kernel.reshape(k, k, 1, 1), dtype=x.dtype)
    blurred = ops.depthwise_conv(x, depthwise, strides=1, padding="same")
    mass = ops.depthwise_conv(ops.ones_like(x[..., :1]), single, strides=1, padding="same")
    return blurred / mass


@keras.saving.register_keras_serializable(package="tunablecnn")
class GaussianPyramid(keras.layers.Layer):
    """Decompose an image into `levels` Gaussian-pyramid levels, finest first.

    Level k + 1 is level k blurred with a fixed 5x5 binomial kernel (every channel on its
    own) and subsampled by 2, so level k has size `ceil(H / 2^k) x ceil(W / 2^k)` for any
    H and W. The decomposition is linear, which keeps bias-free models scale-equivariant.

    Args:
        levels: Number of levels (>= 1); level 0 is the input itself.
        kernel_size: Odd size of the binomial blur (3 or 5).

    Returns:
        A list of `levels` tensors `[batch, ceil(H / 2^k), ceil(W / 2^k), channels]`.

    Example:
        >>> fine, coarse = GaussianPyramid(levels=2)(np.zeros((1, 37, 53, 3), "float32"))
        >>> coarse.shape  # (1, 19, 27, 3)
    """

    def __init__(self, levels=3, kernel_size=5, **kwargs):
        super().__init__(**kwargs)
        if int(levels) < 1:
            raise ValueError(f"Expected levels >= 1. Received: levels={levels}")
        if kernel_size not in (3, 5):
            raise ValueError(f"Expected kernel_size 3 or 5. Received: kernel_size={kernel_size}")
        self.levels = int(levels)
        self.kernel_size = kernel_size

    def call(self, inputs):
        kernel = binomial_kernel(self.kernel_size)
        pyramid = [inputs]
        for _ in range(self.levels - 1):
            pyramid.append(normalized_blur(pyramid[-1], kernel)[:, ::2, ::2, :])
        return pyramid

    def compute_output_shape(self, input_shape):
        batch, height, width, channels = input_shape
        shapes = []
        for k in range(self.levels):
            shapes.append((batch, _ceil_div(height, 2**k), _ceil_div(width, 2**k), channels))
        return shapes

    def get_config(self):
        return {**super().get_config(), "levels": self.levels, "kernel_size": self.kernel_size}


def _ceil_div(size, factor):
    return None if size is None else -(-size // factor)
