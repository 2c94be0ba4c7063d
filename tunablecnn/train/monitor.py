"""What a training run shows: TensorBoard scalars and images, PNG grids, a console progress bar."""

import logging
import os

import keras
import numpy as np
import tensorflow as tf

logger = logging.getLogger(__name__)

_SHOWN = 4  # images per visualization


class Monitor:
    """Progress on the console always; TensorBoard events and PNGs only when `enabled` (the chief)."""

    def __init__(self, model_directory, enabled=True):
        self.enabled = enabled
        self.writer = tf.summary.create_file_writer(os.path.join(model_directory, "logs")) if enabled else None
        self.png_directory = os.path.join(model_directory, "visualizations")
        if enabled:
            os.makedirs(self.png_directory, exist_ok=True)
        self.progress = None
        self.descriptions = {}  # TensorBoard tag -> what the scalar measures

    def start_stage(self, name, steps, done, validation):
        """Start the progress bar of stage `name`; `validation` says which images the PSNR is measured on."""
        logger.info("stage %s: steps %d to %d; validation PSNR on %s", name, done, steps, validation)
        self.descriptions[f"{name}/validation_psnr"] = f"PSNR (dB) on a fixed batch of crops of {validation}"
        metrics = ["loss", "validation_psnr", "lr", "steps/s"]
        self.progress = keras.utils.Progbar(steps, stateful_metrics=metrics, unit_name="step")
        self.progress.update(done)

    def step(self, step, values):
        self.progress.update(step, values=list(values.items()))

    def scalars(self, global_step, values):
        if not self.enabled:
            return
        with self.writer.as_default(step=global_step):
            for name, value in values.items():
                tf.summary.scalar(name, value, description=self.descriptions.get(name))

    def images(self, global_step, stage, degraded, clean, restored):
        """Clean / degraded / restored rows to TensorBoard and to `visualizations/<stage>_<step>.png`."""
        if not self.enabled:
            return None
        rows = [np.clip(np.asarray(t[:_SHOWN], np.float32), 0, 1) for t in (clean, degraded, restored)]
        with self.writer.as_default(step=global_step):
            for name, images in zip(("clean", "degraded", "restored"), rows):
                tf.summary.image(f"{stage}/{name}", images, max_outputs=_SHOWN)
        path = os.path.join(self.png_directory, f"{stage}_{global_step:09d}.png")
        save_grid(path, rows, ("clean", "degraded", "restored"), title=f"{stage}, step {global_step}")
        return path


def save_grid(path, rows, labels, title):
    """One labelled row per image set, one column per sample, with matplotlib (no display needed)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    columns = len(rows[0])
    figure, axes = plt.subplots(len(rows), columns, figsize=(2.2 * columns, 2.2 * len(rows)), squeeze=False)
    for r, (images, label) in enumerate(zip(rows, labels)):
        for c in range(columns):
            image = images[c]
            axes[r][c].imshow(image[..., 0] if image.shape[-1] == 1 else image, cmap="gray", vmin=0, vmax=1)
            axes[r][c].set_xticks([])
            axes[r][c].set_yticks([])
        axes[r][0].set_ylabel(label)
    figure.suptitle(title)
    figure.tight_layout()
    figure.savefig(path, dpi=80)
    plt.close(figure)
