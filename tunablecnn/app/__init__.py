"""The alpha-slider page: `python -m tunablecnn.app` (needs the app extra: `pip install ".[app]"`).

`viewer` holds what the page does (load models once, restore at an alpha, crop, describe) and
imports no Gradio; `page` wires it to Gradio widgets and is imported only by the command, so
`import tunablecnn` and `import tunablecnn.app` never need Gradio.
"""

from tunablecnn.app.viewer import View, Viewer, crop_box, crop_pair, describe, model_input, sample_image, sample_names

__all__ = ["View", "Viewer", "crop_box", "crop_pair", "describe", "model_input", "sample_image", "sample_names"]
