"""SavedModel export with `serving_default` (uint8) and `denoise_float` signatures."""

import tensorflow as tf

from tunablecnn.export.serving import float_serving_function, uint8_serving_function
from tunablecnn.model_folder import FLOAT_SIGNATURE, SIGNATURE

SIGNATURES = (SIGNATURE, FLOAT_SIGNATURE)


def write_saved_model(model, path):
    """Write `model` to `path`; both signatures share the same variables."""
    module = tf.Module()
    module.model = model  # tracked, so the variables are saved with the functions
    module.serve = uint8_serving_function(model)
    module.denoise_float = float_serving_function(model, clip=True)
    signatures = {SIGNATURE: module.serve, FLOAT_SIGNATURE: module.denoise_float}
    tf.saved_model.save(module, path, signatures=signatures)


def load_signatures(path):
    """`{name: callable}` of an exported SavedModel; each callable returns `{"denoised": tensor}`."""
    loaded = tf.saved_model.load(path)
    return {name: loaded.signatures[name] for name in SIGNATURES}, loaded
