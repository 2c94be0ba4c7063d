"""The denoiser returned by `tunablecnn.load_model`: numpy in, numpy out, alpha or level chosen per call."""

import warnings

import numpy as np

from tunablecnn.inference.backends import open_backend
from tunablecnn.inference.calibration import alpha_for_level, range_note
from tunablecnn.inference.noise_estimation import estimate_noise_sigma
from tunablecnn.inference.self_ensemble import self_ensemble
from tunablecnn.model_folder import read_metadata, resolve


def load_model(name_or_path, backend="saved_model"):
    """Load a bundled model by name (see `list_models()`) or an exported folder; return a `Denoiser`."""
    return Denoiser(resolve(name_or_path), backend=backend)


class Denoiser:
    """Callable denoiser of an exported model folder.

    `denoiser(images, alpha=None, level=None)`:
    - `images`: one image `[H, W]` or `[H, W, C]`, or a batch `[N, H, W, C]`; numpy or tensor.
      uint8 is read in [0, 255] and gives uint8; float is in [0, 1] scale, NOT clipped on the
      way in (evaluation feeds unclipped noisy images), and gives float32 in [0, 1].
    - tunable models: `alpha` in [0, 1] (a number or one per image), or `alpha="auto"` (estimate
      each image's noise level and use the calibration), or `level=sigma` (0-255 scale, through
      the calibration). With neither, "auto" is used. Blind models take neither. A level (given
      or estimated) outside the calibrated range uses the alpha of the nearest end of the range,
      with a `UserWarning` naming the range and that alpha.
    - `self_ensemble=True` averages the results for the 8 flips and 90-degree rotations of the
      input: usually a little better (+0.1-0.2 dB), 8x slower.
    The output has the input's shape.
    """

    def __init__(self, directory, backend="saved_model"):
        self.directory = directory
        self.metadata = read_metadata(directory)
        self.name = self.metadata["name"]
        self.backend = backend
        self.channels = self.metadata["model"]["channels"]
        self.tunable = self.metadata["tunable"] is not None
        self.calibration = self.metadata["tunable"]["calibration"] if self.tunable else []
        self._run = open_backend(backend, directory, self.metadata)

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
            return f"Denoiser({self.name!r}, blind, backend={self.backend})"
        start, end = tunable["start"]["additional_noise"], tunable["end"]["additional_noise"]
        return f"Denoiser({self.name!r}, {tunable['type']}, sigma {start:g}-{end:g}, backend={self.backend})"

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

    def range_note(self, level, alpha, what):
        """A sentence if `level` (named `what`, e.g. "level 80") lies outside the calibrated range, else None."""
        return range_note(self.calibration, level, alpha, what)

    def estimate_level(self, image):
        """Blind estimate of the noise sigma (0-255 scale) of one image in this call's convention."""
        array = np.asarray(image, np.float64)
        scale = 1.0 if np.asarray(image).dtype == np.uint8 else 255.0
        return estimate_noise_sigma(array * scale)

    def _self_ensemble(self, batch, alphas, uint8):
        # In float, so the 8 results are averaged before rounding to gray levels.
        floats = batch.astype(np.float32) / (255.0 if uint8 else 1.0)
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
        if level is not None or alpha is None or (isinstance(alpha, str) and alpha == "auto"):
            values, notes = self._calibrated_alphas(batch, level)
        else:
            values, notes = np.broadcast_to(np.asarray(alpha, np.float32).reshape(-1), (len(batch),)), []
        values = np.asarray(values, np.float32).reshape(-1, 1)
        if not np.all((values >= 0) & (values <= 1)):
            raise ValueError(f"Expected alpha in [0, 1]. Received: alpha={alpha}")
        return values, notes

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

