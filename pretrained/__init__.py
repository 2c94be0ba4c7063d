"""Bundled pretrained models, one exported folder each; installed as `tunablecnn.zoo` (see tunablecnn.model_folder)."""
