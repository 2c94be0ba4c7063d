"""The denoiser returned by `tunablecnn.load_model`: numpy in, numpy out, alpha or level chosen per call."""

import warnings

import numpy as np

from tunablecnn.inference.backends import is_alpha_map, open_backend
from tunablecnn.inference.calibration import ALPHA_RANGE, alpha_for_level, map_range_note, range_note
from tunablecnn.inference.noise_estimation import estimate_noise_sigma
from tunablecnn.inference.noise_model import estimate_noise_model, noise_sigma_map
from tunablecnn.inference.self_ensemble import self_ensemble
from tunablecnn.model_folder import read_metadata, resolve


def load_model(name_or_path, backend="saved_model", num_threads=None, precision="float32"):
    """Load a bundled model by name (see `list_models()`) or an exported folder; return a `Denoiser`.

    `backend`: "saved_model" (TensorFlow; fastest on x86 with oneDNN) or "tflite" (ai-edge-litert
    with XNNPACK; the path for ARM and devices). `num_threads`: TFLite interpreter threads,
    default every core; the SavedModel backend always uses TensorFlow's pools (every core).
    `precision` (backend "tflite"): "float32", or "float16", "dynamic", "int8" for a folder
    exported with that `--quantize` (smaller and, for int8, faster; see the README for the cost
    in PSNR).
    """
    return Denoiser(resolve(name_or_path), backend=backend, num_threads=num_threads, precision=precision)


class Denoiser:
    """Callable denoiser of an exported model folder.

    `denoiser(images, alpha=None, level=None)`:
    - `images`: one image `[H, W]` or `[H, W, C]`, or a batch `[N, H, W, C]`; numpy or tensor.
      uint8 is read in [0, 255] and gives uint8; float is in [0, 1] scale, NOT clipped on the
      way in (evaluation feeds unclipped noisy images), and gives float32 in [0, 1].
    - tunable models: `alpha` in [0, 1] (a number or one per image; 0 = start level, 1 = end
      level; down to -1.5 extrapolates below the start level), or `alpha="auto"` (estimate
      each image's noise level and use the calibration), or `level=sigma` (0-255 scale, through
      the calibration). With neither, "auto" is used. Blind models take neither. A level (given
      or estimated) outside the calibrated range uses the alpha of the nearest end of the range,
      with a `UserWarning` naming the range and that alpha.
    - per pixel: `alpha` or `level` may be a map `[H, W]`, `[H, W, 1]` or `[N, H, W, 1]` (N = 1 is
      shared by the batch) of the images' height and width: one alpha, or noise sigma, per pixel.
      `alpha="auto-map"` estimates each image's signal-dependent noise (`variance = a * signal + b`,
      `auto_alpha_map`) and uses the calibrated alpha of each pixel's sigma. Maps need a folder
      exported with the `alpha_map` signature; older folders say to re-export.
    - `self_ensemble=True` averages the results for the 8 flips and 90-degree rotations of the
      input: usually a little better (+0.1-0.2 dB), 8x slower.
    The output has the input's shape.
    """

    def __init__(self, directory, backend="saved_model", num_threads=None, precision="float32"):
        self.directory = directory
        self.metadata = read_metadata(directory)
        self.name = self.metadata["name"]
        self.backend = backend
        self.precision = precision
        self.channels = self.metadata["model"]["channels"]
        self.tunable = self.metadata["tunable"] is not None
        self.calibration = self.metadata["tunable"]["calibration"] if self.tunable else []
        self._run = open_backend(backend, directory, self.metadata, num_threads, precision)

    def __call__(self, images, alpha=None, level=None, self_ensemble=False):
        array = np.asarray(images)
        batch, shape = self._as_batch(array)
        alphas, notes = self._alphas(batch, alpha, level)
        for note in notes:
            warnings.warn(f"{self.name}: {note}", UserWarning, stacklevel=2)
        uint8 = array.dtype == np.uint8
        if self_ensemble:
            restored = self._self_ensemble(batch, alphas, uint8)
        else:
            restored = self._run(batch, alphas, uint8=uint8)
        return restored.reshape(shape)

    def __repr__(self):
        tunable = self.metadata["tunable"]
        if tunable is None:
            return f"Denoiser({self.name!r}, blind, backend={self._backend_text()})"
        start, end = tunable["start"]["additional_noise"], tunable["end"]["additional_noise"]
        return f"Denoiser({self.name!r}, {tunable['type']}, sigma {start:g}-{end:g}, backend={self._backend_text()})"

    def _backend_text(self):
        return self.backend if self.precision == "float32" else f"{self.backend} {self.precision}"

    def alpha_for_level(self, level):
        """The calibrated alpha for noise sigma `level` (0-255 scale); outside the calibrated
        range, the alpha of its nearest end, without a warning (`range_note` gives one)."""
        self._require_calibration("a noise level cannot be mapped to alpha")
        return alpha_for_level(self.calibration, level)

    def auto_alpha(self, image):
        """`(alpha, sigma)`: the calibrated alpha for the blind noise estimate `sigma` of one image."""
        self._require_calibration(
            "alpha 'auto' (the default when neither alpha nor level is given) cannot choose alpha")
        sigma = self.estimate_level(image)
        return alpha_for_level(self.calibration, sigma), sigma

    def auto_alpha_map(self, image):
        """`(alpha map [H, W], estimate)` for one image: its noise model `variance = a * signal + b`
        (`tunablecnn.inference.noise_model`), the resulting sigma map through the calibration.

        `estimate` holds `a`, `b` (0-255 scale), `sigma` and `alpha` (each `(lowest, highest)`
        over the map) and `note` (a sentence if some sigmas lie outside the calibrated range, else None).
        """
        self._require_calibration("alpha 'auto-map' cannot choose alpha")
        pixels = self._gray_levels(image)
        model = estimate_noise_model(pixels)
        sigmas = noise_sigma_map(pixels, model)
        alphas = alpha_for_level(self.calibration, sigmas)
        return alphas, {"a": model.a, "b": model.b, "sigma": (float(sigmas.min()), float(sigmas.max())),
                        "alpha": (float(alphas.min()), float(alphas.max())),
                        "note": map_range_note(self.calibration, sigmas, "the estimated sigma map")}

    def range_note(self, level, alpha, what):
        """A sentence if `level` (named `what`, e.g. "level 80") lies outside the calibrated range, else None."""
        return range_note(self.calibration, level, alpha, what)

    def estimate_level(self, image):
        """Blind estimate of the noise sigma (0-255 scale) of one image in this call's convention."""
        return estimate_noise_sigma(self._gray_levels(image))

    @staticmethod
    def _gray_levels(image):
        """One image in this call's convention (uint8 or float in [0, 1]) on the 0-255 scale, float64."""
        scale = 1.0 if np.asarray(image).dtype == np.uint8 else 255.0
        return np.asarray(image, np.float64) * scale

    def _self_ensemble(self, batch, alphas, uint8):
        # In float, so the 8 results are averaged before rounding to gray levels.
        floats = batch.astype(np.float32) / (255.0 if uint8 else 1.0)
        if is_alpha_map(alphas):  # the map turns with the image
            mean = self_ensemble(lambda view, local: self._run(view, local, uint8=False), floats, alpha_map=alphas)
        else:
            mean = self_ensemble(lambda view: self._run(view, alphas, uint8=False), floats)
        return np.round(np.clip(mean, 0.0, 1.0) * 255.0).astype(np.uint8) if uint8 else mean

    def _as_batch(self, array):
        if array.dtype != np.uint8 and not np.issubdtype(array.dtype, np.floating):
            raise ValueError(
                f"Expected uint8 images in [0, 255] or float images in [0, 1]. Received dtype {array.dtype} "
                "(convert 16-bit images with image / 65535.0)"
            )
        shape = array.shape
        if array.ndim == 2 and self.channels == 1:
            array = array[None, ..., None]
        elif array.ndim == 3:
            array = array[None]
        if array.ndim != 4 or array.shape[-1] != self.channels:
            raise ValueError(
                f"Expected {'[H, W], ' if self.channels == 1 else ''}[H, W, {self.channels}] or "
                f"[N, H, W, {self.channels}] for this {self.channels}-channel model. Received shape {shape}"
            )
        return array, shape

    def _alphas(self, batch, alpha, level):
        """`(alphas [N, 1] or None, notes)`; the notes say which levels lay outside the calibrated range."""
        if not self.tunable:
            if alpha is not None or level is not None:
                raise ValueError(f"{self.name} is not tunable: it takes no alpha or level")
            return None, []
        if alpha is not None and level is not None:
            raise ValueError("Give alpha or level, not both")
        if isinstance(alpha, str) and alpha == "auto-map":
            values, notes = self._auto_alpha_maps(batch)
        elif level is not None and np.ndim(level) > 0:
            self._require_calibration("a noise level cannot be mapped to alpha")
            sigmas = _as_map(level, batch, "level")
            values, notes = alpha_for_level(self.calibration, sigmas), [map_range_note(self.calibration, sigmas, "level map")]
        elif level is not None or alpha is None or (isinstance(alpha, str) and alpha == "auto"):
            values, notes = self._calibrated_alphas(batch, level)
        elif _is_map(alpha, batch):
            values, notes = _as_map(alpha, batch, "alpha"), []
        else:
            values, notes = np.broadcast_to(np.asarray(alpha, np.float32).reshape(-1), (len(batch),)), []
        values = np.asarray(values, np.float32)
        values = values if values.ndim == 4 else values.reshape(-1, 1)
        low, high = ALPHA_RANGE
        if not np.all((values >= low) & (values <= high)):
            received = f"alpha={alpha}" if values.ndim == 2 else f"an alpha map from {values.min():g} to {values.max():g}"
            raise ValueError(f"Expected alpha in [{low:g}, {high:g}] (0 = start level, 1 = end level). Received: {received}")
        return values, [note for note in notes if note]

    def _auto_alpha_maps(self, batch):
        picks = [self.auto_alpha_map(image) for image in batch]
        return np.stack([alphas for alphas, _ in picks])[..., None], [estimate["note"] for _, estimate in picks]

    def _calibrated_alphas(self, batch, level):
        """Calibrated alphas for `level` (or, if None, each image's estimated level) and notes on levels out of range."""
        if level is not None:
            value = self.alpha_for_level(level)
            values, notes = [value] * len(batch), [self.range_note(level, value, f"level {level:g}")]
        else:
            picks = [self.auto_alpha(image) for image in batch]
            values = [value for value, _ in picks]
            notes = [self.range_note(sigma, value, f"estimated noise sigma {sigma:.1f}") for value, sigma in picks]
        return values, [note for note in notes if note]

    def _require_calibration(self, consequence):
        if not self.tunable:
            raise ValueError(f"{self.name} is not tunable: it takes no alpha or level")
        if not self.calibration:
            raise ValueError(f"{self.name} has no level calibration (it was exported without calibration images), "
                             f"so {consequence}: give alpha, a number in [0, 1]")


def _is_map(value, batch):
    """Whether `alpha` is a per-pixel map rather than one number per image ([N] or [N, 1])."""
    shape = np.shape(value)
    return len(shape) >= 3 or (len(shape) == 2 and shape == batch.shape[1:3] and shape != (len(batch), 1))


def _as_map(value, batch, name):
    """`value` ([H, W], [H, W, 1], [1 or N, H, W, 1]) as float32 `[N, H, W, 1]` for `batch` [N, H, W, C]."""
    n, h, w = batch.shape[:3]
    array = np.asarray(value, np.float32)
    shaped = {2: lambda a: a[None, ..., None], 3: lambda a: a[None], 4: lambda a: a}.get(array.ndim, lambda a: None)(array)
    if shaped is None or shaped.shape[1:] != (h, w, 1) or shaped.shape[0] not in (1, n):
        raise ValueError(f"Expected {name} as a number or a map [{h}, {w}], [{h}, {w}, 1] or [{n}, {h}, {w}, 1] "
                         f"matching the images. Received shape {array.shape}")
    return np.ascontiguousarray(np.broadcast_to(shaped, (n, h, w, 1)))
