"""What the alpha-slider page does, without Gradio: pictures in, denoised results, crops and numbers out.

`Viewer` holds the models the page offers, loads each once with `tunablecnn.load_model` (the
API's loader) and restores a picture at the alpha the slider gives (`Viewer.denoise` returns a
`View`). `model_input` turns an opened picture into the model's input, `sample_image` makes the
bundled sample pictures, `crop_pair` shows a region of input and result side by side at 1:1 or
magnified, and `describe` writes the numbers under the result. `tunablecnn.app.page` only wires
these to widgets, so everything here is tested without a browser.
"""

import dataclasses
import hashlib
import os
import threading
import time

import cv2
import matplotlib
import numpy as np

from tunablecnn.data import read_image, write_image
from tunablecnn.evaluate.sweep import Crop, magnify
from tunablecnn.inference import load_model
from tunablecnn.metrics import add_noise

SAMPLE_PHOTO = "grace_hopper.jpg"  # matplotlib (a dependency) ships it; read in gray
SAMPLE_LEVELS = (15, 25, 40)  # noise sigmas (0-255) of the samples, seeded
CROP_GAP = 4  # px of white between the input and result crops


@dataclasses.dataclass(frozen=True)
class View:
    """One restored picture: `image` (the model input, uint8 `[H, W, C]`), `restored` (same shape), the
    `alpha` used, the estimated noise `sigma` and its calibrated alpha (None without a calibration),
    a note when that sigma lies outside the calibrated range, and the `seconds` the model took."""

    image: np.ndarray
    restored: np.ndarray
    alpha: float
    sigma: float | None
    calibrated: float | None
    note: str | None
    seconds: float


class Viewer:
    """The models a page offers (bundled names or exported folders), each loaded once, on first use.

    Example:
        viewer = Viewer(tunablecnn.list_models())
        view = viewer.denoise(viewer.models[0], noisy_uint8, alpha=0.4)  # view.restored == load_model(...)(...)
    """

    def __init__(self, models, backend="saved_model"):
        self.models = [os.fspath(m) for m in models]
        if not self.models:
            raise ValueError("Expected at least one model. Received: models=[] (no bundled model found)")
        self.backend = backend
        self._loaded = {}
        self._lock = threading.Lock()  # the page serves requests from several threads

    def model(self, name):
        """The `Denoiser` of `name`, loaded on first use; ValueError for a model the page does not offer."""
        if name not in self.models:
            raise ValueError(f"Unknown model {name!r}; this page offers {', '.join(self.models)}")
        with self._lock:
            if name not in self._loaded:
                self._loaded[name] = load_model(name, backend=self.backend)
            return self._loaded[name]

    def denoise(self, name, image, alpha):
        """A `View` of `image` (uint8, as `model_input` gives it) restored by model `name` at `alpha`."""
        denoiser = self.model(name)
        sigma, calibrated, note = _estimate(denoiser, image)
        start = time.perf_counter()
        restored = denoiser(image, alpha=float(alpha)) if denoiser.tunable else denoiser(image)
        return View(image, restored, float(alpha), sigma, calibrated, note, time.perf_counter() - start)

    def alpha_for_level(self, name, level):
        """The calibrated alpha of model `name` for noise sigma `level` (0-255)."""
        return self.model(name).alpha_for_level(level)

    def estimate_level(self, name, image):
        """The blind estimate of `image`'s noise sigma (0-255), as model `name` estimates it."""
        return self.model(name).estimate_level(image)


def sample_names():
    """Names of the sample pictures, for a menu: the gray sample photo with seeded noise of each level, and clean."""
    return [f"{SAMPLE_PHOTO}, gray, noise sigma {level}" for level in SAMPLE_LEVELS] + [f"{SAMPLE_PHOTO}, gray, clean"]


def sample_image(name):
    """The sample picture `name` (one of `sample_names()`) as uint8 `[H, W]`; the noise is the same every time."""
    if name not in sample_names():
        raise ValueError(f"Unknown sample {name!r}; choose from {sample_names()}")
    clean = read_image(os.path.join(matplotlib.get_data_path(), "sample_data", SAMPLE_PHOTO), 1).pixels[..., 0]
    level = SAMPLE_LEVELS[sample_names().index(name)] if name != sample_names()[-1] else 0
    noisy = add_noise(clean * 255.0, level, seed=0) if level else clean * 255.0
    return np.round(np.clip(noisy, 0, 255)).astype(np.uint8)


def model_input(image, channels):
    """`(uint8 [H, W, channels], notes)` from an opened picture (`[H, W]`, `[H, W, 1-4]`; RGB order).

    As `tunablecnn.data.read_image` does for files: alpha is dropped, colour becomes gray with the
    ITU-R 601 weights, gray is replicated to RGB; deeper integer or float pictures become 8-bit.
    """
    array = np.asarray(image)
    array = array[..., None] if array.ndim == 2 else array
    if array.ndim != 3 or array.shape[2] not in (1, 2, 3, 4) or min(array.shape[:2]) < 2:
        raise ValueError("Expected a picture [H, W] or [H, W, 1-4] of at least 2x2 pixels. "
                         f"Received shape {np.shape(image)}")
    notes = ["alpha channel dropped"] if array.shape[2] in (2, 4) else []
    array = array[..., :-1] if array.shape[2] in (2, 4) else array
    if array.dtype != np.uint8:
        notes.append(f"{array.dtype} picture reduced to 8 bits")
    unit = _unit_float(array)
    if array.shape[2] == 3 and channels == 1:
        unit, notes = cv2.cvtColor(unit, cv2.COLOR_RGB2GRAY)[..., None], notes + ["colour picture converted to gray"]
    elif array.shape[2] == 1 and channels == 3:
        unit, notes = cv2.cvtColor(unit, cv2.COLOR_GRAY2RGB), notes + ["gray picture replicated to 3 channels"]
    levels = array if array.dtype == np.uint8 and array.shape[2] == channels else np.round(unit * 255.0)
    return np.ascontiguousarray(levels.reshape(*array.shape[:2], channels), dtype=np.uint8), notes


def crop_box(shape, centre, size):
    """The `Crop` of about `size` x `size` pixels centred at `centre` (fractions of width, height), inside `shape`."""
    rows, columns = shape[:2]
    width, height = min(int(size), columns), min(int(size), rows)
    x = int(np.clip(round(centre[0] * columns - width / 2), 0, columns - width))
    y = int(np.clip(round(centre[1] * rows - height / 2), 0, rows - height))
    return Crop(x, y, width, height)


def crop_pair(view, centre, size, zoom):
    """uint8 `[h, w, C]`: the same region of input and result side by side, each pixel repeated `zoom` times."""
    box = crop_box(view.image.shape, centre, size)
    before, after = (magnify(box.cut(pixels), int(zoom)) for pixels in (view.image, view.restored))
    gap = np.full((before.shape[0], CROP_GAP, before.shape[2]), 255, np.uint8)
    return np.concatenate([before, gap, after], axis=1), box


def describe(view, name, box=None):
    """Markdown lines under the result: the alpha used, the estimate and its calibrated alpha, the crop, the time."""
    rows, columns, channels = view.image.shape
    lines = [f"**alpha {view.alpha:.2f}**, model {name}: {columns}x{rows} "
             f"{'gray' if channels == 1 else 'colour'} picture in {view.seconds:.2f} s"]
    if view.sigma is not None:
        lines.append(f"estimated noise sigma **{view.sigma:.1f}** (0-255): calibrated alpha **{view.calibrated:.2f}**")
    if view.note:
        lines.append(f"note: {view.note}")
    if box is not None:
        lines.append(f"crop: x {box.x}, y {box.y}, {box.width}x{box.height} pixels")
    return "\n\n".join(lines)


def save_result(view, directory):
    """Write the result as a PNG in `directory` (named by its alpha and content) and return its path."""
    digest = hashlib.sha256(view.restored.tobytes()).hexdigest()[:10]
    path = os.path.join(directory, f"denoised-alpha{view.alpha:.2f}-{digest}.png")
    write_image(path, view.restored)
    return path


def _estimate(denoiser, image):
    """`(sigma, calibrated alpha, note)` of `image`, or `(None, None, None)` for a model without calibration."""
    if not denoiser.calibration:
        return None, None, None
    calibrated, sigma = denoiser.auto_alpha(image)
    return sigma, calibrated, denoiser.range_note(sigma, calibrated, f"estimated noise sigma {sigma:.1f}")


def _unit_float(array):
    if np.issubdtype(array.dtype, np.integer):
        top = 255 if array.dtype == np.uint8 else 65535  # PIL gives 16-bit PNGs as int32 ("I")
        return np.clip(array.astype(np.float32) / np.float32(top), 0.0, 1.0)
    return np.clip(np.nan_to_num(array.astype(np.float32)), 0.0, 1.0)
