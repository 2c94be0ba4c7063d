from tunablecnn import build_model, load_pipeline


def test_every_block_is_gated_by_channel_and_pixel_gates():
    model = build_model(load_pipeline({"model": {"type": "gatenet", "filters": 8, "no_layers": 3, "gate_reduction": 2}}))
    names = [layer.name for layer in model.layers]
    for i in range(3):
        assert f"backbone_block{i}_channel_gate" in names and f"backbone_block{i}_pixel_gate" in names
    assert model.get_layer("backbone_block0_channel_gate").squeeze.shape == (8, 4)


def test_gate_reduction_changes_parameters():
    """Only the channel gates' bottleneck changes: 2 * filters * (filters // reduction) weights per block."""
    filters, blocks = 8, 3
    models = {
        r: build_model(load_pipeline({"model": {"type": "gatenet", "filters": filters, "no_layers": blocks,
                                                "gate_reduction": r}}))
        for r in (1, 4)
    }
    for r, model in models.items():
        assert model.get_layer("backbone_block0_channel_gate").excite.shape == (filters // r, filters)
    difference = models[1].count_params() - models[4].count_params()
    assert difference == blocks * 2 * filters * (filters - filters // 4)
