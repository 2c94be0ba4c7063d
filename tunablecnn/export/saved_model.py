"""SavedModel export with `serving_default` (uint8) and `denoise_float` signatures, and for tunable
models `alpha_map` and `denoise_float_map` (the same with alpha [N, H, W, 1])."""

import tensorflow as tf

from tunablecnn.export.serving import float_serving_function, uint8_serving_function
from tunablecnn.model_folder import FLOAT_MAP_SIGNATURE, FLOAT_SIGNATURE, MAP_SIGNATURE, SIGNATURE
from tunablecnn.models.tunable import is_tunable

SIGNATURES = (SIGNATURE, FLOAT_SIGNATURE, MAP_SIGNATURE, FLOAT_MAP_SIGNATURE)


def write_saved_model(model, path):
    """Write `model` to `path`; every signature shares the same variables."""
    module = tf.Module()
    module.model = model  # tracked, so the variables are saved with the functions
    module.serve = uint8_serving_function(model)
    module.denoise_float = float_serving_function(model, clip=True)
    signatures = {SIGNATURE: module.serve, FLOAT_SIGNATURE: module.denoise_float}
    if is_tunable(model):  # the map model shares the model's layers, hence its variables
        module.serve_map = uint8_serving_function(model, alpha_map=True)
        module.denoise_float_map = float_serving_function(model, clip=True, alpha_map=True)
        signatures.update({MAP_SIGNATURE: module.serve_map, FLOAT_MAP_SIGNATURE: module.denoise_float_map})
    tf.saved_model.save(module, path, signatures=signatures)


def load_signatures(path):
    """`{name: callable}` of the signatures an exported SavedModel has; each returns `{"denoised": tensor}`."""
    loaded = tf.saved_model.load(path)
    return {name: loaded.signatures[name] for name in SIGNATURES if name in loaded.signatures}, loaded
