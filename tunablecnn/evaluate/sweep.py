"""One picture of a tunable model's range: an image restored at several alphas, at full resolution.

Every panel shows the pixels themselves, placed with `figimage` and never resampled: the whole
image, or a `Crop` of it, at 1:1 or magnified by repeating pixels (`zoom`; by default images
narrower than `MIN_PANEL_WIDTH` are magnified just enough for their titles). The first panel is
the input, titled with its estimated noise sigma; the alpha the model's calibration gives for
that sigma gets a panel of its own (unless the sweep has it already) and a frame. The model
always restores the whole image; a crop is cut from the results, so its borders are not the
network's.
"""

import dataclasses
import math

import numpy as np

MIN_PANEL_WIDTH = 160  # px: narrower panels are magnified (by whole pixels) so that their titles fit
COLUMNS = 4  # panels per row at most
DPI = 100
MARGIN, GAP, TITLE = 10, 14, 34  # px: around the figure, between panels, title space above each panel
MARK_COLOR = "#e8710a"
SAME_ALPHA = 0.005  # a sweep alpha this close to the calibrated one is that panel


@dataclasses.dataclass(frozen=True)
class Crop:
    """A region `width` x `height` of an image, its top-left pixel at column `x`, row `y`."""

    x: int
    y: int
    width: int
    height: int

    @classmethod
    def parse(cls, text):
        """`Crop` from "X,Y,W,H" (pixels); ValueError saying what is wrong otherwise."""
        try:
            x, y, width, height = (int(value) for value in text.split(","))
        except ValueError:
            raise ValueError(f"crop wants X,Y,WIDTH,HEIGHT in whole pixels, e.g. 100,80,128,128, not {text!r}") \
                from None
        if x < 0 or y < 0 or width < 1 or height < 1:
            raise ValueError(f"crop needs X, Y >= 0 and WIDTH, HEIGHT >= 1, not {text!r}")
        return cls(x, y, width, height)

    def cut(self, image):
        """The region of `image` (`[H, W, ...]`); ValueError when it does not lie inside the image."""
        rows, columns = image.shape[:2]
        if self.x + self.width > columns or self.y + self.height > rows:
            raise ValueError(f"crop {self.x},{self.y},{self.width},{self.height} does not fit inside the "
                             f"{columns}x{rows} image (x + width <= {columns}, y + height <= {rows})")
        return image[self.y:self.y + self.height, self.x:self.x + self.width]


@dataclasses.dataclass(frozen=True)
class Panel:
    """One picture of the sweep: `pixels` uint8 `[H, W, 3]`, a title of one or two lines, and whether it is framed."""

    title: str
    pixels: np.ndarray
    marked: bool = False


def sweep_grid(path, image, denoiser, alphas, crop=None, zoom=None, columns=COLUMNS):
    """Save a PNG at `path`: `image` (uint8, or float in [0, 1]), then `denoiser`'s result at each alpha.

    `crop`: a `Crop` shown instead of the whole image; `zoom`: whole-number magnification (None:
    1, or more for panels narrower than `MIN_PANEL_WIDTH`). Returns the `Panel`s drawn.
    """
    if zoom is not None and (int(zoom) != zoom or zoom < 1):
        raise ValueError(f"Expected zoom a whole number >= 1. Received: zoom={zoom}")
    panels = sweep_panels(image, denoiser, alphas, crop)
    width = panels[0].pixels.shape[1]
    zoom = int(zoom) if zoom is not None else max(1, math.ceil(MIN_PANEL_WIDTH / width))
    draw_panels(path, [dataclasses.replace(p, pixels=magnify(p.pixels, zoom)) for p in panels], columns)
    return panels


def sweep_panels(image, denoiser, alphas, crop=None):
    """The input panel, then one panel per alpha (the calibrated alpha added and marked), each cut to `crop`."""
    sigma, calibrated = calibrated_alpha(denoiser, image)
    cut = crop.cut if crop is not None else (lambda pixels: pixels)
    title = "input" if sigma is None else f"input\nestimated sigma {sigma:.1f}"
    panels = [Panel(title, cut(_rgb8(image)))]
    for alpha in _with_calibrated(alphas, calibrated):
        marked = calibrated is not None and abs(alpha - calibrated) <= SAME_ALPHA
        title = f"alpha {alpha:.2f}" + (f"\ncalibrated for sigma {sigma:.1f}" if marked else "")
        panels.append(Panel(title, cut(_rgb8(denoiser(image, alpha=alpha))), marked))
    return panels


def calibrated_alpha(denoiser, image):
    """`(estimated sigma, its calibrated alpha)` for `image`, or `(None, None)` for a model without calibration."""
    if not denoiser.calibration:
        return None, None
    sigma = denoiser.estimate_level(image)
    return sigma, denoiser.alpha_for_level(sigma)


def magnify(pixels, zoom):
    """`pixels` with each pixel repeated `zoom` x `zoom` times (nearest neighbour: no new values)."""
    return pixels if zoom == 1 else np.repeat(np.repeat(pixels, zoom, axis=0), zoom, axis=1)


def draw_panels(path, panels, columns=COLUMNS):
    """Save `panels` (all one size) in rows of at most `columns`, each at 1:1, with its title above it."""
    # A bare Figure renders with the Agg canvas and leaves pyplot's global backend alone.
    from matplotlib.figure import Figure
    from matplotlib.patches import Rectangle

    height, width = panels[0].pixels.shape[:2]
    rows = math.ceil(len(panels) / columns)
    columns = math.ceil(len(panels) / rows)  # balanced rows: 5 panels as 3 + 2, not 4 + 1
    size = (2 * MARGIN + columns * width + (columns - 1) * GAP, 2 * MARGIN + rows * (TITLE + height + GAP) - GAP)
    figure = Figure(figsize=(size[0] / DPI, size[1] / DPI), dpi=DPI, facecolor="white")
    for index, panel in enumerate(panels):
        row, column = divmod(index, columns)
        left = MARGIN + column * (width + GAP)
        bottom = size[1] - MARGIN - row * (TITLE + height + GAP) - TITLE - height  # figimage counts from the bottom
        figure.figimage(panel.pixels, xo=left, yo=bottom, origin="upper")
        figure.text((left + width / 2) / size[0], (bottom + height + 4) / size[1], panel.title, ha="center",
                    va="bottom", fontsize=9, color=MARK_COLOR if panel.marked else "black")
        if panel.marked:
            figure.add_artist(Rectangle(((left - 4) / size[0], (bottom - 4) / size[1]), (width + 8) / size[0],
                                        (height + 8) / size[1], transform=figure.transFigure, fill=False,
                                        edgecolor=MARK_COLOR, linewidth=2.5 * 72 / DPI))
    figure.savefig(path, dpi=DPI)


def _with_calibrated(alphas, calibrated):
    alphas = sorted(float(a) for a in alphas)
    if calibrated is None or any(abs(a - calibrated) <= SAME_ALPHA for a in alphas):
        return alphas
    return sorted(alphas + [calibrated])


def _rgb8(image):
    """`image` (uint8, or float in [0, 1]; `[H, W]`, `[H, W, 1]` or `[H, W, 3]`) as uint8 `[H, W, 3]`."""
    image = np.asarray(image)
    if image.dtype != np.uint8:
        image = np.round(np.clip(image, 0.0, 1.0) * 255.0).astype(np.uint8)
    image = image[..., None] if image.ndim == 2 else image
    return np.repeat(image, 3, axis=2) if image.shape[2] == 1 else image
