"""Modulation methods (registry keyed by `tunable.type`) and the two training stages.

A tunable model has a second input `alpha` [batch, 1]. Training runs in two stages:
`base` trains every weight except the modulation at the start level (alpha = 0, where
modulation has no effect); `tune` freezes all of them and trains only the modulation at
the end level (alpha = 1). Because the alpha branch is multiplied by alpha, alpha = 0
reproduces the base model exactly after tuning.
"""

import keras

from tunablecnn.config import ConfigError
from tunablecnn.layers import AdaFM, DNIConv2D, FTNConv2D, ModulatedConv2D
from tunablecnn.models.registry import Registry

MODULATIONS = Registry("tunable type")
STAGES = ("base", "tune")


@MODULATIONS.register("adafm")
def adafm_conv(x, alpha, conv_options, *, name, kernel_size, bias):
    """A plain bias-free convolution followed by an AdaFM layer."""
    y = keras.layers.Conv2D(padding="same", use_bias=False, name=name, **conv_options)(x)
    return AdaFM(kernel_size, use_bias=bias, name=f"{name}_adafm")(y, alpha)


@MODULATIONS.register("ftn")
def ftn_conv(x, alpha, conv_options, *, name, groups):
    """An FTN-modulated convolution; `tunable.groups` must divide its input channels (no silent cap)."""
    channels = x.shape[-1]
    if channels % groups:
        raise ConfigError([
            f"tunable.groups: {groups} does not divide the {channels} input channel(s) of layer '{name}'; "
            "choose groups that divide the input channels of every modulated convolution (1 always does)"
        ])
    return FTNConv2D(groups=groups, name=name, **conv_options)(x, alpha)


@MODULATIONS.register("dni")
def dni_conv(x, alpha, conv_options, *, name):
    return DNIConv2D(name=name, **conv_options)(x, alpha)


def set_stage(model, stage):
    """Choose which weights train: `base` (all but modulation) or `tune` (only modulation).

    Frozen layers also freeze their normalization statistics. Recompile or rebuild the
    training step after calling this.
    """
    if stage not in STAGES:
        raise ValueError(f"Expected stage in {STAGES}. Received: stage={stage!r}")
    tune = stage == "tune"
    for layer in _leaf_layers(model):
        if isinstance(layer, AdaFM):
            layer.trainable = tune
        elif isinstance(layer, ModulatedConv2D):
            layer.trainable = True
            modulation = {id(v) for v in layer.modulation_weights}
            for variable in layer.weights:
                variable.trainable = (id(variable) in modulation) == tune
        else:
            layer.trainable = not tune


def start_tune_stage(model):
    """Prepare a freshly base-trained model for the tune stage (DNI: copy W_A into W_B), then `set_stage`."""
    for layer in _leaf_layers(model):
        if isinstance(layer, DNIConv2D):
            layer.sync_b_from_a()
    set_stage(model, "tune")


def modulation_weights(model):
    """Every weight that only the tune stage trains."""
    weights = []
    for layer in _leaf_layers(model):
        if isinstance(layer, AdaFM):
            weights += layer.weights
        elif isinstance(layer, ModulatedConv2D):
            weights += layer.modulation_weights
    return weights


def is_tunable(model):
    return "alpha" in [t.name for t in model.inputs]


def _leaf_layers(model):
    # build_model makes one flat functional graph: no nested models to descend into.
    return model.layers
