"""Modulation methods: what each declares, registered once under its `tunable.type`.

A method is one module in `tunablecnn/models/methods/` (its builder, registered with
`register_method`) plus its layer (a `tunablecnn.layers.ModulatedLayer`) and its entry in
the schema's `tunable` section, which owns the defaults of its options.
"""

from collections.abc import Callable
from dataclasses import dataclass

from tunablecnn.models.registry import Registry


def _always(tunable):
    return True


@dataclass(frozen=True)
class Method:
    """A modulation method.

    Attributes:
        build: `build(x, alpha, conv_options, *, name, **options)` returns one modulated
            convolution of `x`; `conv_options` are `filters`, `kernel_size`, `strides`,
            `kernel_initializer` and `kernel_regularizer`.
        options: The method's own keys of the `tunable` section, passed to `build`; like
            every builder argument, they define the network.
        scale_equivariant: Whether the method, given the `tunable` section, keeps a bias-free
            model scale-equivariant.
    """

    build: Callable
    options: tuple[str, ...] = ()
    scale_equivariant: Callable[[dict], bool] = _always

    def modulated_conv(self, x, alpha, conv_options, *, name, tunable):
        """One modulated convolution of `x`, with the method's options taken from the `tunable` section."""
        return self.build(x, alpha, conv_options, name=name, **{key: tunable[key] for key in self.options})


MODULATIONS = Registry("tunable type")


def register_method(key, *, options=(), scale_equivariant=_always):
    """Decorator: register a builder as the method `tunable.type: key` (see `Method`)."""

    def add(build):
        MODULATIONS.register(key)(Method(build, tuple(options), scale_equivariant))
        return build

    return add


def method_options():
    """Every option key that some registered method declares, each once."""
    keys = [key for method in MODULATIONS.keys() for key in MODULATIONS.get(method).options]
    return tuple(dict.fromkeys(keys))
