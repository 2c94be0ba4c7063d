"""`build_model`: the only construction path from a pipeline config to a Keras model."""

import keras

from tunablecnn.layers import GaussianPyramid, LocalNormalization, ResizeToMatch, StopGradient
from tunablecnn.models.blocks import HOMOGENEOUS_ACTIVATIONS, activation
from tunablecnn.models.conv import ConvFactory
from tunablecnn.models.modulation import MODULATIONS
from tunablecnn.models.registry import BACKBONES

# Model keys that shape the whole model; every other model key goes to the backbone builder.
_WRAPPER_KEYS = (
    "type", "levels", "clip_values", "local_normalization", "output_multiplier", "final_activation",
    "residual", "stop_grads", "kernel_regularizer", "kernel_initializer", "input_shape",
)


def build_model(pipeline):
    """Build the (uncompiled) denoiser of a validated pipeline (see `tunablecnn.load_pipeline`).

    The model maps input `image` [N, H, W, C] float32 in [0, 1] to output `denoised` of the same
    shape. With a `tunable` section its inputs are the dict `{"image": ..., "alpha": [N, 1]}`.
    """
    config = pipeline["model"]
    tunable = pipeline.get("tunable")  # the one optional section: absent means a blind model
    image = keras.Input(shape=tuple(config["input_shape"]), name="image")
    alpha = keras.Input(shape=(1,), name="alpha") if tunable else None
    conv = ConvFactory(
        kernel_initializer=config["kernel_initializer"], kernel_regularizer=config["kernel_regularizer"],
        tunable=tunable, alpha=alpha,
    )
    x = image
    if config["local_normalization"] > 0:
        x, mean, std = LocalNormalization(config["local_normalization"], name="local_normalization")(x)
    y = _restore_pyramid(x, conv, config) if config["levels"] > 1 else _restore_level(x, x, conv, config, "backbone")
    if config["local_normalization"] > 0:
        y = keras.layers.Add(name="local_denormalization")([keras.layers.Multiply()([y, std]), mean])
    if config["clip_values"]:
        y = keras.layers.ReLU(max_value=1.0, name="clip_values")(y)
    denoised = keras.layers.Identity(name="denoised")(y)
    inputs = {"image": image, "alpha": alpha} if tunable else image
    name = f"{config['type']}_x{config['levels']}" + (f"_{tunable['type']}" if tunable else "")
    return keras.Model(inputs, denoised, name=name)


def is_scale_equivariant(pipeline):
    """Whether the model config keeps `model(c * x) == c * model(x)` (c > 0) at inference."""
    config = pipeline["model"]
    homogeneous = (config["activation"], config["final_activation"])
    tunable = pipeline.get("tunable")  # the one optional section
    modulation = tunable is None or MODULATIONS.get(tunable["type"]).scale_equivariant(tunable)
    return all(a in HOMOGENEOUS_ACTIVATIONS for a in homogeneous) and not config["clip_values"] and modulation


def _restore_level(base, inputs, conv, config, name):
    """Run the backbone on `inputs` and return `base + correction` (or the correction alone)."""
    options = {key: value for key, value in config.items() if key not in _WRAPPER_KEYS}
    features = BACKBONES.get(config["type"])(inputs, conv, name=name, **options)
    correction = conv(features, base.shape[-1], config["kernel_size"], name=f"{name}_head")
    correction = activation(correction, config["final_activation"], name=f"{name}_final_act")
    if config["output_multiplier"] != 1.0:
        correction = keras.layers.Rescaling(config["output_multiplier"], name=f"{name}_multiplier")(correction)
    if not config["residual"]:
        return correction
    return keras.layers.Add(name=f"{name}_residual")([base, correction])


def _restore_pyramid(x, conv, config):
    """Gaussian-pyramid multiscale: restore the coarsest level, then each finer one given the coarser result.

    Level k's estimate before correction is the upsampled coarser result plus level k's
    Laplacian band (`g_k - up(g_k+1)`); with zero corrections the finest output equals the
    input exactly. Level k's backbone sees `[g_k, up(result_k+1)]` as its input.
    """
    levels = config["levels"]
    pyramid = GaussianPyramid(levels, name="pyramid")(x)
    result = _restore_level(pyramid[-1], pyramid[-1], conv, config, name=f"level{levels - 1}")
    for k in reversed(range(levels - 1)):
        fine = pyramid[k]
        upsampled = ResizeToMatch(name=f"level{k}_upsample")(result, fine)
        coarse = ResizeToMatch(name=f"level{k}_band_upsample")(pyramid[k + 1], fine)
        band = keras.layers.Subtract(name=f"level{k}_band")([fine, coarse])
        base = keras.layers.Add(name=f"level{k}_base")([upsampled, band])
        context = StopGradient(name=f"level{k}_stop_grads")(upsampled) if config["stop_grads"] else upsampled
        inputs = keras.layers.Concatenate(name=f"level{k}_inputs")([fine, context])
        result = _restore_level(base, inputs, conv, config, name=f"level{k}")
    return result
