"""Bundled pretrained models: names -> folders, never downloaded.

The repository keeps them in the top-level `pretrained/<name>/` (each an exported folder, see
`tunablecnn.export`); a wheel installs that folder as the package `tunablecnn.zoo`, so names
resolve the same way after a normal `pip install`.
"""

import importlib.util
import os

from tunablecnn.export.exporter import METADATA_FILE


def pretrained_root():
    """Folder holding the bundled models: the installed `tunablecnn.zoo`, else the source tree's `pretrained/`."""
    spec = importlib.util.find_spec("tunablecnn.zoo")
    if spec is not None and spec.submodule_search_locations:
        return list(spec.submodule_search_locations)[0]
    return os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "pretrained")


def list_models():
    """Names of the bundled pretrained models, sorted."""
    root = pretrained_root()
    if not os.path.isdir(root):
        return []
    return sorted(n for n in os.listdir(root) if os.path.isfile(os.path.join(root, n, METADATA_FILE)))


def resolve(name_or_path):
    """Folder of a bundled model name or of an exported model directory; ValueError listing the names otherwise."""
    path = os.fspath(name_or_path)
    if os.path.isfile(os.path.join(path, METADATA_FILE)):
        return path
    if path in list_models():
        return os.path.join(pretrained_root(), path)
    raise ValueError(
        f"'{path}' is neither a bundled model nor an exported model folder (no {METADATA_FILE}); "
        f"bundled models: {', '.join(list_models()) or 'none'}"
    )
