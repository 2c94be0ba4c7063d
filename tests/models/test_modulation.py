"""Modulation methods: what each declares, and that a new method is one module and nothing else."""

import keras
import numpy as np
import pytest
from keras import ops

from tunablecnn import ConfigError, build_model, load_pipeline
from tunablecnn.config import load_schema
from tunablecnn.layers import ModulatedLayer
from tunablecnn.models import is_scale_equivariant
from tunablecnn.models.cost import model_cost
from tunablecnn.models.modulation import MODULATIONS, method_options, register_method
from tunablecnn.models.tunable import modulation_weights, set_stage, start_tune_stage
from tunablecnn.train.trainer import write_pipeline

LEVELS = {"start": {"additional_noise": 15}, "end": {"additional_noise": 50}}


def test_every_schema_type_is_a_method_with_the_options_the_schema_gives_it():
    tunable = load_schema()["$defs"]["tunable"]["properties"]
    assert MODULATIONS.keys() == sorted(tunable["type"]["enum"])
    for method in MODULATIONS.keys():
        own = sorted(key for key, spec in tunable.items() if spec.get("x-only-for-type") == method)
        assert sorted(MODULATIONS.get(method).options) == own
    assert method_options() == ("kernel_size", "bias", "rank", "tuning_kernel_size", "tuning_depth", "groups")


def test_adafm_bias_alone_breaks_scale_equivariance():
    def pipeline(**tunable):
        return load_pipeline({"model": {}, "tunable": {**LEVELS, **tunable}})

    assert is_scale_equivariant(pipeline(type="adafm")) and is_scale_equivariant(pipeline(type="ftn"))
    assert not is_scale_equivariant(pipeline(type="adafm", bias=True))


def test_unknown_method():
    choices = r"\['adafm', 'cfsnet', 'dni', 'dynamic', 'ftn'\]"
    with pytest.raises(ValueError, match=f"Unknown tunable type 'adafn'; choose from {choices}"):
        MODULATIONS.get("adafn")


# A new method, written as its own module would be: a layer implementing `ModulatedLayer` and a
# registered builder. The tests below use it through the library without editing any library file.
class ToyGainConv(ModulatedLayer):
    """`y = conv(x, W) * (1 + alpha * gain)`: a per-filter gain, set to `start` when tuning starts."""

    def __init__(self, filters, kernel_size, *, start, strides=1, kernel_initializer="glorot_uniform",
                 kernel_regularizer=None, **kwargs):
        super().__init__(**kwargs)
        self.conv = keras.layers.Conv2D(filters, kernel_size, strides=strides, padding="same", use_bias=False,
                                        kernel_initializer=kernel_initializer, kernel_regularizer=kernel_regularizer)
        self.start = start

    def build(self, inputs_shape, alpha_shape):
        self.conv.build(inputs_shape)
        self.gain = self.add_weight(name="gain", shape=(self.conv.filters,), initializer="zeros")

    def call(self, inputs, alpha):
        return self.conv(inputs) * (1 + ops.reshape(alpha, (-1, 1, 1, 1)) * self.gain)

    @property
    def modulation_weights(self):
        return [self.gain]

    def start_tuning(self):
        self.gain.assign(np.full(self.gain.shape, self.start, "float32"))

    def flops_per_output_pixel(self):
        return 2 * int(np.prod(self.conv.kernel.shape)) + 3 * self.conv.filters


@pytest.fixture
def toy_pipeline(monkeypatch):
    """Register `tunable.type: toy` for one test (the registry is restored after it); return its pipeline."""
    monkeypatch.setattr(MODULATIONS, "_items", dict(MODULATIONS._items))

    @register_method("toy", options=("start_gain",))
    def toy_conv(x, alpha, conv_options, *, name, start_gain):
        return ToyGainConv(start=start_gain, name=name, **conv_options)(x, alpha)

    pipeline = load_pipeline({"model": {"filters": 4, "no_layers": 1}})
    return {**pipeline, "tunable": {"type": "toy", "placement": "blocks", "start_gain": 0.5, **LEVELS}}


def _toys(model):
    return [layer for layer in model.layers if isinstance(layer, ToyGainConv)]


def test_a_new_method_builds_where_the_placement_says(toy_pipeline):
    model = build_model(toy_pipeline)
    assert [layer.name for layer in _toys(model)] == ["backbone_block0_conv", "backbone_block0_project"]
    assert modulation_weights(model) == [layer.gain for layer in _toys(model)]


def test_a_new_method_trains_its_own_weights_in_each_stage(toy_pipeline):
    model = build_model(toy_pipeline)
    set_stage(model, "base")
    assert not {id(v) for v in model.trainable_weights} & {id(v) for v in modulation_weights(model)}
    assert {id(layer.conv.kernel) for layer in _toys(model)} <= {id(v) for v in model.trainable_weights}
    start_tune_stage(model)
    assert [id(v) for v in model.trainable_weights] == [id(v) for v in modulation_weights(model)]
    for layer in _toys(model):
        np.testing.assert_array_equal(layer.gain.numpy(), 0.5)  # its own start of tuning ran


def test_a_new_method_is_costed_by_what_its_layer_declares(toy_pipeline):
    base = {k: v for k, v in toy_pipeline.items() if k != "tunable"}
    added = model_cost(toy_pipeline)["flops_per_pixel"] - model_cost(base)["flops_per_pixel"]
    assert added == 2 * 3 * 4  # the gain blend (3 FLOPs per filter) of both block convolutions
    assert model_cost(toy_pipeline)["parameters"] == model_cost(base)["parameters"] + 2 * 4


def test_a_new_method_options_define_the_network(toy_pipeline, tmp_path):
    assert "start_gain" in method_options()
    write_pipeline(str(tmp_path), toy_pipeline)
    changed = {**toy_pipeline, "tunable": {**toy_pipeline["tunable"], "start_gain": 0.25}}
    with pytest.raises(ConfigError, match="tunable.start_gain is 0.5 in the pipeline this directory was trained"):
        write_pipeline(str(tmp_path), changed)
    assert is_scale_equivariant(toy_pipeline)
