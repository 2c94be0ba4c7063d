"""The Gradio wiring of the alpha-slider page: widgets, and events that call `tunablecnn.app.viewer`.

Imported by `python -m tunablecnn.app` only (it needs Gradio, an optional extra). Element ids
(`#model`, `#input`, `#alpha`, `#result`, `#crop`, `#stats`, `#download`, ...) are what the
browser test drives.
"""

import contextlib
import types

import gradio as gr
import numpy as np

from tunablecnn.app.viewer import crop_pair, describe, model_input, sample_image, sample_names, save_result
from tunablecnn.inference.calibration import ALPHA_RANGE

TITLE = "tunablecnn: alpha slider"
INTRO = ("Open a picture (or take a sample), pick a model and move **alpha**, or set the **noise level** and let "
         "the model's calibration choose alpha. Click the input to move the crop.")
LEVEL_MAX = 75.0  # the noise-level slider's top (sigma, 0-255)
CSS = "#crop img { image-rendering: pixelated; } #result img, #input img { image-rendering: pixelated; }"
LOCAL_FONTS = ["ui-sans-serif", "system-ui", "sans-serif"]  # no web fonts: the page works offline


def build_page(viewer, directory):
    """A `gr.Blocks` page for `viewer`'s models; results to download are written in `directory`."""
    with gr.Blocks(title=TITLE) as page:
        gr.Markdown(f"## {TITLE}\n{INTRO}")
        _wire(_Handlers(viewer, directory), _widgets(viewer))
    return page


def launch(page, host, port):
    """Serve `page` at http://host:port until interrupted."""
    theme = gr.themes.Default(font=LOCAL_FONTS, font_mono=["ui-monospace", "monospace"])
    page.launch(server_name=host, server_port=port, theme=theme, css=CSS, footer_links=[])


def _widgets(viewer):
    w = types.SimpleNamespace()
    with gr.Row():
        w.model = gr.Dropdown(viewer.models, value=viewer.models[0], label="model", elem_id="model")
        w.sample = gr.Dropdown(sample_names(), value=None, label="or take a sample picture", elem_id="sample")
    with gr.Row():
        w.alpha = gr.Slider(*ALPHA_RANGE, value=0.5, step=0.01, elem_id="alpha",
                            label="alpha (0 = start level, 1 = end level; below 0: weaker than the start level)")
        w.level = gr.Slider(0, LEVEL_MAX, value=25, step=0.5, elem_id="level",
                            label="or noise level sigma (0-255): sets alpha through the calibration")
        w.auto = gr.Button("use the estimated level", elem_id="auto")
    with gr.Row():
        w.source = gr.Image(label="input", type="numpy", image_mode=None, format="png", height=420,
                            sources=["upload", "clipboard"], elem_id="input")
        w.result = gr.Image(label="result", format="png", height=420, interactive=False, elem_id="result")
    w.stats = gr.Markdown("Open a picture or take a sample.", elem_id="stats")
    with gr.Row():
        w.centre_x = gr.Slider(0, 1, value=0.5, step=0.01, label="crop centre x", elem_id="centre_x")
        w.centre_y = gr.Slider(0, 1, value=0.5, step=0.01, label="crop centre y", elem_id="centre_y")
        w.size = gr.Slider(16, 256, value=96, step=8, label="crop size (pixels)", elem_id="size")
        w.zoom = gr.Slider(1, 8, value=3, step=1, label="zoom (1 = 1:1)", elem_id="zoom")
    w.crop = gr.Image(label="crop: input | result, pixels repeated, not resampled", format="png",
                      interactive=False, elem_id="crop", buttons=["fullscreen"])
    w.download = gr.DownloadButton("download the result (PNG)", elem_id="download")
    w.view = gr.State()
    return w


def _wire(handlers, w):
    crop_inputs = [w.centre_x, w.centre_y, w.size, w.zoom]
    shown = [w.result, w.crop, w.stats, w.download, w.view]
    for trigger in (w.model, w.source, w.alpha):
        trigger.change(handlers.show, [w.model, w.source, w.alpha, *crop_inputs], shown, trigger_mode="always_last")
    for trigger in crop_inputs:
        trigger.change(handlers.crop, [w.model, w.view, *crop_inputs], [w.crop, w.stats], trigger_mode="always_last")
    w.sample.change(handlers.sample, [w.sample], [w.source])
    w.level.change(handlers.level_alpha, [w.model, w.level], [w.alpha], trigger_mode="always_last")
    w.auto.click(handlers.estimated, [w.view], [w.level, w.alpha])
    for image in (w.source, w.result):
        image.select(handlers.centre, [w.view], [w.centre_x, w.centre_y])


class _Handlers:
    """The page's event handlers: each calls the viewer and turns a ValueError into a message on the page."""

    def __init__(self, viewer, directory):
        self.viewer, self.directory = viewer, directory

    def show(self, name, image, alpha, centre_x, centre_y, size, zoom):
        if image is None:
            return None, None, "Open a picture or take a sample.", None, None
        with _shown_on_page():
            pixels, notes = model_input(image, self.viewer.model(name).channels)
            view = self.viewer.denoise(name, pixels, alpha)
            pair, box = crop_pair(view, (centre_x, centre_y), size, zoom)
        text = describe(view, name, box) + "".join(f"\n\n{note}" for note in notes)
        return _shown(view.restored), _shown(pair), text, save_result(view, self.directory), view

    def crop(self, name, view, centre_x, centre_y, size, zoom):
        if view is None:
            return None, gr.skip()
        pair, box = crop_pair(view, (centre_x, centre_y), size, zoom)
        return _shown(pair), describe(view, name, box)

    def sample(self, name):
        return sample_image(name) if name else gr.skip()

    def level_alpha(self, name, level):
        with _shown_on_page():
            return round(self.viewer.alpha_for_level(name, level), 2)  # the slider's step

    def estimated(self, view):
        if view is None or view.sigma is None:
            raise gr.Error("No estimate yet: open a picture with a model that has a level calibration.")
        return min(round(view.sigma * 2) / 2, LEVEL_MAX), round(view.calibrated, 2)

    def centre(self, view, event: gr.SelectData):
        if view is None:
            return gr.skip(), gr.skip()
        rows, columns = view.image.shape[:2]
        x, y = event.index
        return round(x / columns, 2), round(y / rows, 2)


@contextlib.contextmanager
def _shown_on_page():
    """A ValueError (a bad picture, a model without calibration) becomes a `gr.Error`: a message on the page."""
    try:
        yield
    except ValueError as error:
        raise gr.Error(str(error)) from error


def _shown(pixels):
    """uint8 `[H, W]` for a gray picture (PIL writes `[H, W, 1]` as nothing), `[H, W, 3]` as it is."""
    return pixels[..., 0] if pixels.ndim == 3 and pixels.shape[2] == 1 else np.asarray(pixels)
