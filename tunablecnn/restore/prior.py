"""A loaded denoiser as the prior of plug-and-play restoration: `prior(image, level)`."""

import numpy as np

from tunablecnn.inference.calibration import calibrated_range


class DenoisingPrior:
    """Denoise float images [H, W, C] at a noise level (0-255 scale) with one loaded model.

    A tunable model takes the level through its calibration. Below the lowest level it was
    trained for (its start level) it runs at that level (`level_used` says which level a call
    really denoises at), unless `extrapolate`: then it follows the calibration below the start
    (alpha < 0, weaker denoising) down to the calibration's lowest level. Which is better depends
    on the task (`tunablecnn.restore.DEFAULTS`; README "Restoration"). A blind model ignores the
    level. A gray model restores colour images channel by channel.
    """

    def __init__(self, denoiser, extrapolate=False):
        self.denoiser = denoiser
        self.tunable = denoiser.tunable
        if self.tunable and not denoiser.calibration:
            raise ValueError(f"{denoiser.name} has no level calibration, so it cannot follow a noise-level "
                             "schedule; export it with calibration images or use a blind model")
        self.lowest = _lowest(denoiser, extrapolate) if self.tunable else 0.0

    def level_used(self, level):
        """The level the model denoises at when asked for `level`."""
        return max(level, self.lowest)

    def __call__(self, image, level):
        if image.shape[-1] != self.denoiser.channels:
            if self.denoiser.channels != 1:
                raise ValueError(f"{self.denoiser.name} is a colour model; it cannot restore a gray image")
            return np.concatenate([self(image[..., c : c + 1], level) for c in range(image.shape[-1])], axis=-1)
        if not self.tunable:
            return self.denoiser(image.astype(np.float32)).astype(np.float64)
        alpha = self.denoiser.alpha_for_level(self.level_used(level))
        return self.denoiser(image.astype(np.float32), alpha=alpha).astype(np.float64)


def _lowest(denoiser, extrapolate):
    """The lowest level a tunable model denoises at: the lower of its start and end levels, or with
    `extrapolate` its calibration's lowest level (the calibration covers the trained range)."""
    if extrapolate:
        return calibrated_range(denoiser.calibration)[0]
    tunable = denoiser.metadata["tunable"]
    return min(tunable["start"]["additional_noise"], tunable["end"]["additional_noise"])
