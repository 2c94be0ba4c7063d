"""The two training stages of a tunable model.

A tunable model has a second input `alpha` [batch, 1]. Training runs in two stages:
`base` trains every weight except the modulation at the start level (alpha = 0, where
modulation has no effect); `tune` freezes all of them and trains only the modulation at
the end level (alpha = 1). Because the alpha branch is multiplied by alpha, alpha = 0
reproduces the base model exactly after tuning. Modulated layers say which of their weights
each stage trains (`tunablecnn.layers.ModulatedLayer`); every other layer trains in `base`.
"""

from tunablecnn.layers import ModulatedLayer

STAGES = ("base", "tune")


def set_stage(model, stage):
    """Choose which weights train: `base` (all but modulation) or `tune` (only modulation).

    Frozen layers also freeze their normalization statistics. Recompile or rebuild the
    training step after calling this.
    """
    if stage not in STAGES:
        raise ValueError(f"Expected stage in {STAGES}. Received: stage={stage!r}")
    for layer in _leaf_layers(model):
        if isinstance(layer, ModulatedLayer):
            layer.set_stage(stage)
        else:
            layer.trainable = stage == "base"


def start_tune_stage(model):
    """Prepare a freshly base-trained model for the tune stage (e.g. DNI copies W_A into W_B), then `set_stage`."""
    for layer in _modulated_layers(model):
        layer.start_tuning()
    set_stage(model, "tune")


def modulation_weights(model):
    """Every weight that only the tune stage trains."""
    return [weight for layer in _modulated_layers(model) for weight in layer.modulation_weights]


def is_tunable(model):
    return "alpha" in [t.name for t in model.inputs]


def _modulated_layers(model):
    return [layer for layer in _leaf_layers(model) if isinstance(layer, ModulatedLayer)]


def _leaf_layers(model):
    # build_model makes one flat functional graph: no nested models to descend into.
    return model.layers
