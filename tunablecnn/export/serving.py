"""Serving functions: the model behind a `tf.function` with dynamic batch, height and width."""

import tensorflow as tf

from tunablecnn.models.tunable import is_tunable


def float_serving_function(model):
    """`tf.function` taking `image` float32 [N, H, W, C] (and `alpha` float32 [N, 1]) -> `{"denoised": ...}`."""
    channels = model.inputs[0].shape[-1] if not is_tunable(model) else model.input["image"].shape[-1]
    image_spec = tf.TensorSpec([None, None, None, channels], tf.float32, name="image")
    if not is_tunable(model):

        @tf.function(input_signature=[image_spec])
        def serve(image):
            return {"denoised": model(image, training=False)}

        return serve

    @tf.function(input_signature=[image_spec, tf.TensorSpec([None, 1], tf.float32, name="alpha")])
    def serve_tunable(image, alpha):
        return {"denoised": model({"image": image, "alpha": alpha}, training=False)}

    return serve_tunable
