"""Building blocks shared by the backbones: activations, normalization, residual blocks."""

import keras

from tunablecnn.layers import BiasFreeBatchNorm

_ACTIVATIONS = {
    "relu": lambda name: keras.layers.ReLU(name=name),
    "leaky_relu": lambda name: keras.layers.LeakyReLU(negative_slope=0.1, name=name),
    "prelu": lambda name: keras.layers.PReLU(shared_axes=[1, 2], name=name),
    "linear": lambda name: keras.layers.Identity(name=name),
    "tanh": lambda name: keras.layers.Activation("tanh", name=name),
    "sigmoid": lambda name: keras.layers.Activation("sigmoid", name=name),
}

# Positively homogeneous activations: f(c * x) = c * f(x) for c > 0.
HOMOGENEOUS_ACTIVATIONS = ("relu", "leaky_relu", "prelu", "linear")


def activation(x, kind, name):
    return _ACTIVATIONS[kind](name)(x)


def normalize_activate(x, *, batchnorm, activation_kind, name):
    if batchnorm:
        x = BiasFreeBatchNorm(name=f"{name}_bn")(x)
    return activation(x, activation_kind, name=f"{name}_act")


def residual_block(x, conv, *, kernel_size, batchnorm, activation_kind, name, after_activation=None, before_skip=None):
    """`x + conv1x1(act(bn(conv_k(x))))`; the hooks insert sparsity or gates at fixed points.

    The 1x1 projection starts at zero, so a new block is the identity ("SkipInit"): batch
    normalization gives every branch unit variance, and summed over many blocks that made
    the first outputs of an untrained network orders of magnitude too large, which cost
    hundreds of steps (measured: a U-Net at sigma 25 stayed above the noisy input's error).
    """
    filters = x.shape[-1]
    y = conv(x, filters, kernel_size, name=f"{name}_conv", in_block=True)
    y = normalize_activate(y, batchnorm=batchnorm, activation_kind=activation_kind, name=name)
    if after_activation is not None:
        y = after_activation(y)
    y = conv(y, filters, 1, name=f"{name}_project", in_block=True, zero_init=True)
    if before_skip is not None:
        y = before_skip(y)
    return keras.layers.Add(name=f"{name}_skip")([x, y])


def stem(x, conv, *, filters, kernel_size, activation_kind, name):
    """First convolution from image channels to `filters` features, then the activation."""
    x = conv(x, filters, kernel_size, name=f"{name}_stem")
    return activation(x, activation_kind, name=f"{name}_stem_act")
