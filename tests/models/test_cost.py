"""Parameters and FLOPs per pixel of a model, and the overhead of each modulation method."""

import pytest

from tunablecnn import load_pipeline
from tunablecnn.models.cost import method_costs, model_cost

LEVELS = {"start": {"additional_noise": 15}, "end": {"additional_noise": 50}}
TINY = {"filters": 4, "no_layers": 1, "kernel_size": 3}
# stem 3*3*1*4, block 3*3*4*4 and 1*1*4*4, head 3*3*4*1: multiply-adds per pixel, 2 FLOPs each.
PLAIN = 2 * (36 + 144 + 16 + 36)


def test_flops_per_pixel_of_a_plain_resnet():
    assert model_cost(load_pipeline({"model": TINY}))["flops_per_pixel"] == PLAIN


@pytest.mark.parametrize(("method", "extra"), [
    ("adafm", 2 * 2 * 4 * (3 * 3 + 1)),  # a 3x3 depthwise branch and the blend after both block convolutions
    ("ftn", 2 * (144 + 16) + 2 * 2 * 4),  # both block convolutions twice, and the blend
    ("dni", 2 * (144 + 16) + 2 * 2 * 4),
    (("dni", 1), 2 * (36 + 4) + 2 * (4 + 4) + 2 * 2 * 4),  # rank 1: k x k x 4 -> 1 and 1x1 1 -> 4 per convolution
    ("cfsnet", 2 * (144 + 16) + 2 * 2 * 16 + 2 * 3 * 4),  # a branch like each block convolution, its 1x1, coupling
    ("dynamic", 2 * 2 * 144 + 2 * 2 * 4),  # a 3x3 tuning convolution after both block convolutions, and the blend
])
def test_flops_per_pixel_of_a_tunable_resnet(method, extra):
    method, rank = method if isinstance(method, tuple) else (method, None)
    options = {} if rank is None else {"rank": rank}
    pipeline = load_pipeline({"model": TINY, "tunable": {"type": method, **options, **LEVELS}})
    assert model_cost(pipeline)["flops_per_pixel"] == PLAIN + extra


def test_flops_are_per_input_pixel_where_convolutions_run_on_fewer_pixels():
    unet = load_pipeline({"model": {"type": "unet", "filters": 4, "no_layers": 1, "depth": 2}})
    # Multiply-adds per output pixel at full, 1/4 and 1/16 resolution (4, 8, 16 filters):
    full = 36 + 144 + 16 + 144 + 16 + 36  # stem, down0 and up0 blocks, head
    quarter = 2 * 2 * 4 * 8 + 576 + 64 + 576 + 64 + 1 * 1 * 8 * 16  # down0 stride, down1 and up1 blocks, up0 expand
    sixteenth = 2 * 2 * 8 * 16 + 2304 + 256 + 1 * 1 * 16 * 32  # down1 stride, bottom block, up1 expand
    assert model_cost(unet)["flops_per_pixel"] == 2 * (full + quarter / 4 + sixteenth / 16)


def test_method_costs_compare_the_base_model_with_every_method():
    pipeline = load_pipeline({"model": TINY, "tunable": {"type": "ftn", "placement": "all", **LEVELS}})
    rows = method_costs(pipeline)
    assert list(rows) == ["base", "adafm", "cfsnet", "dni", "dynamic", "ftn"]
    assert rows["base"] == model_cost(load_pipeline({"model": TINY}))
    assert rows["ftn"] == model_cost(pipeline)
    assert rows["dni"]["flops_per_pixel"] == rows["ftn"]["flops_per_pixel"] > rows["adafm"]["flops_per_pixel"]
