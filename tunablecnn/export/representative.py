"""The representative set of full-integer (int8) TFLite conversion: noisy images over the whole alpha range.

Post-training int8 fixes one quantization range per activation tensor from the samples it
sees. A tunable model's activations scale with the noise level, so the samples sweep alpha
from 0 to 1 with the noise sigma that goes with it (linear between the tunable section's start
and end levels), through every signature of the file (per-image alpha and alpha map).
"""

import numpy as np

from tunablecnn.export.verify import test_image
from tunablecnn.model_folder import MAP_SIGNATURE, SIGNATURE

BLIND_LEVELS = (5.0, 50.0)  # sigma range (0-255 scale) swept for blind models
SAMPLES = 32


def representative_data(pipeline, clean_images, *, uint8, samples=SAMPLES, seed=0):
    """A callable giving `(signature, inputs)` samples for `convert_to_tflite(..., representative_data=)`.

    `clean_images`: float [N, H, W, C] in [0, 1] (the held-out calibration crops), or None for
    the synthetic verification image. `uint8`: the file's image dtype (uint8 for `model*.tflite`,
    float32 in [0, 1], unclipped, for `model_float*.tflite`).
    """
    tunable = pipeline.get("tunable")
    if clean_images is None:
        clean_images = test_image(pipeline["model"]["input_shape"][2]).astype(np.float32) / 255.0
    start, end = ((tunable["start"]["additional_noise"], tunable["end"]["additional_noise"]) if tunable
                  else BLIND_LEVELS)
    rng = np.random.default_rng(seed)
    items = []
    for index, position in enumerate(np.linspace(0.0, 1.0, samples)):
        clean = clean_images[index % len(clean_images)][None]
        noisy = clean + rng.normal(0.0, (start + position * (end - start)) / 255.0, clean.shape)
        image = np.round(np.clip(noisy, 0.0, 1.0) * 255.0).astype(np.uint8) if uint8 else noisy.astype(np.float32)
        items += _signature_inputs(image, position if tunable else None)
    return lambda: iter(items)


def _signature_inputs(image, alpha):
    if alpha is None:
        return [(SIGNATURE, {"image": image})]
    per_image = np.full((1, 1), alpha, np.float32)
    per_pixel = np.full((1, *image.shape[1:3], 1), alpha, np.float32)
    return [(SIGNATURE, {"image": image, "alpha": per_image}), (MAP_SIGNATURE, {"image": image, "alpha": per_pixel})]
