import pytest

from tunablecnn.models import BACKBONES
from tunablecnn.models.registry import Registry


def test_every_schema_type_is_registered():
    from tunablecnn.config import load_schema

    assert BACKBONES.keys() == sorted(load_schema()["$defs"]["model"]["properties"]["type"]["enum"])


def test_unknown_key_lists_choices():
    with pytest.raises(ValueError, match=r"Unknown model type 'resent'; choose from \['gatenet', 'resnet'"):
        BACKBONES.get("resent")


def test_double_registration_fails():
    registry = Registry("thing")
    registry.register("a")(print)
    with pytest.raises(ValueError, match="thing 'a' registered twice"):
        registry.register("a")(print)
