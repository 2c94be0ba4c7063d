"""One picture of a tunable model's range: an image restored at several alphas, side by side."""

import numpy as np


def sweep_grid(path, image, denoiser, alphas):
    """Save one labelled PNG at `path`: `image` (uint8, or float in [0, 1]), then `denoiser`'s result at each alpha."""
    # A bare Figure renders with the Agg canvas and leaves pyplot's global backend alone.
    from matplotlib.figure import Figure

    panels = [("input", _unit(image))] + [(f"alpha {a:g}", _unit(denoiser(image, alpha=a))) for a in alphas]
    figure = Figure(figsize=(3 * len(panels), 3.3))
    for axis, (label, panel) in zip(figure.subplots(1, len(panels), squeeze=False)[0], panels):
        axis.imshow(np.clip(panel, 0, 1), cmap="gray", vmin=0, vmax=1)
        axis.set_title(label)
        axis.axis("off")
    figure.tight_layout()
    figure.savefig(path, dpi=100)


def _unit(image):
    image = np.asarray(image)
    unit = image.astype(np.float32) / (255.0 if image.dtype == np.uint8 else 1.0)
    return unit[..., 0] if unit.ndim == 3 and unit.shape[-1] == 1 else unit
