"""The alpha-map form of a tunable model: one level per pixel instead of one per image.

`build_model` gives a tunable model whose `alpha` is `[N, 1]`. `with_alpha_map(model)` returns
the same network, sharing its layers and weights, whose `alpha` is a map `[N, H, W, 1]` at
image resolution. Each modulated layer receives the map average-pooled to the resolution of
its input (`tunablecnn.layers.PoolToMatch`): U-Net levels are strided convolutions of an image
padded to a multiple of `2^depth`, pyramid levels halve the image, so the map is pooled by the
layer's stride over the padded image, repeating its last row and column where the image was
padded. Everything else is unchanged, so a constant map reproduces the scalar output and the
`[N, 1]` model keeps its graph and speed.
"""

import keras

from tunablecnn.layers import ModulatedLayer, PoolToMatch
from tunablecnn.models.tunable import is_tunable

_PROBE = 4096  # image side of the symbolic probe that measures each modulated layer's stride


def with_alpha_map(model):
    """`model` (tunable, from `build_model`) with `alpha` as a map `[N, H, W, 1]`; layers and weights are shared."""
    if not is_tunable(model):
        raise ValueError(f"Expected a tunable model (inputs image and alpha). Received: model {model.name!r} "
                         f"with inputs {[t.name for t in model.inputs]}")
    strides = modulated_layer_strides(model)
    image = model.input["image"]
    inputs = {"image": keras.Input(batch_shape=image.shape, name="image"),
              "alpha": keras.Input(shape=(None, None, 1), name="alpha")}

    def call(layer, *args, **kwargs):
        if not isinstance(layer, ModulatedLayer):
            return layer(*args, **kwargs)
        args, kwargs = _without_alpha(args, kwargs)
        local = PoolToMatch(strides[layer.name], name=f"{layer.name}_alpha_map")(inputs["alpha"], args[0])
        return layer(*args, alpha=local, **kwargs)

    return keras.models.clone_model(model, input_tensors=inputs, clone_function=lambda layer: layer,
                                    call_function=call)


def modulated_layer_strides(model):
    """`{layer name: image pixels per input pixel}` of every modulated layer, from a symbolic probe image."""
    image = model.input["image"]
    probe = {"image": keras.Input(batch_shape=(1, _PROBE, _PROBE, image.shape[-1]), name="image"),
             "alpha": keras.Input(batch_shape=(1, 1), name="alpha")}
    strides = {}

    def record(layer, *args, **kwargs):
        if isinstance(layer, ModulatedLayer):
            strides[layer.name] = _stride(layer.name, args[0].shape)
        return layer(*args, **kwargs)

    keras.models.clone_model(model, input_tensors=probe, clone_function=lambda layer: layer, call_function=record)
    return strides


def _stride(name, shape):
    height, width = shape[1:3]
    if height is None or height != width or _PROBE % height:
        raise ValueError(f"Cannot tell the resolution of modulated layer {name!r}: on a {_PROBE}x{_PROBE} probe "
                         f"image its input is {height}x{width}")
    return _PROBE // height


def _without_alpha(args, kwargs):
    """The call's arguments without `alpha`, passed by name or last (every modulated layer takes it last)."""
    if "alpha" in kwargs:
        return args, {key: value for key, value in kwargs.items() if key != "alpha"}
    return args[:-1], kwargs
