"""Bundled pretrained models, one exported folder each; installed as `tunablecnn.zoo` (see tunablecnn.pretrained)."""
