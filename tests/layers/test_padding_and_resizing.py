"""PadToMultiple, CropToMatch, ResizeToMatch, DepthToSpace and StopGradient: small shape utilities."""

import numpy as np
import pytest
import tensorflow as tf

from tests.helpers import check_layer
from tunablecnn.layers import CropToMatch, DepthToSpace, PadToMultiple, ResizeToMatch, StopGradient


def test_pad_then_crop_is_identity(rng):
    x = rng.random((2, 37, 53, 3)).astype("float32")
    padded = check_layer(PadToMultiple(8), x, expected_shapes=(2, 40, 56, 3))
    expected = np.pad(x, ((0, 0), (0, 3), (0, 3), (0, 0)), mode="symmetric")
    np.testing.assert_array_equal(np.asarray(padded), expected)  # mirrored, not a band of zeros
    cropped = check_layer(CropToMatch(), {"inputs": np.asarray(padded), "reference": x}, expected_shapes=x.shape, fit=False)
    np.testing.assert_array_equal(np.asarray(cropped), x)


def test_pad_mirrors_periodically_when_the_image_is_smaller_than_the_padding():
    x = np.arange(1, 4, dtype="float32").reshape(1, 3, 1, 1)
    padded = np.asarray(PadToMultiple(8)(x))[0, :, 0, 0]
    np.testing.assert_array_equal(padded, [1, 2, 3, 3, 2, 1, 1, 2])


def test_resize_to_match_reaches_odd_sizes_and_keeps_constants(rng):
    coarse = np.full((1, 19, 27, 2), 0.3, "float32")
    fine = rng.random((1, 37, 53, 2)).astype("float32")
    resized = check_layer(ResizeToMatch(), {"inputs": coarse, "reference": fine}, expected_shapes=fine.shape, fit=False)
    np.testing.assert_allclose(np.asarray(resized), 0.3, rtol=1e-6)


def test_depth_to_space_matches_tensorflow(rng):
    x = rng.random((1, 4, 5, 8)).astype("float32")
    y = check_layer(DepthToSpace(2), x, expected_shapes=(1, 8, 10, 2))
    np.testing.assert_array_equal(np.asarray(y), tf.nn.depth_to_space(x, 2).numpy())


def test_stop_gradient_blocks_gradients(rng):
    x = tf.constant(rng.random((1, 4, 4, 1)).astype("float32"))
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = tf.reduce_sum(StopGradient()(x) * x)
    np.testing.assert_allclose(tape.gradient(y, x).numpy(), x.numpy())  # only the un-stopped factor


def test_bad_arguments():
    with pytest.raises(ValueError, match="Expected multiple >= 1"):
        PadToMultiple(0)
    with pytest.raises(ValueError, match="Expected block_size >= 2"):
        DepthToSpace(1)


def test_crop_to_match_becomes_a_slice_in_tflite():
    # A strided slice on a feature map runs element by element in TFLite: 20x slower than SLICE.
    from ai_edge_litert.interpreter import Interpreter, OpResolverType

    from tunablecnn.export import convert_to_tflite

    @tf.function(input_signature=[tf.TensorSpec([1, None, None, 8]), tf.TensorSpec([1, None, None, 1])])
    def crop(inputs, reference):
        return CropToMatch()(inputs, reference)

    interpreter = Interpreter(model_content=convert_to_tflite(crop),
                              experimental_op_resolver_type=OpResolverType.BUILTIN_WITHOUT_DEFAULT_DELEGATES)
    ranks = {t["index"]: len(t["shape_signature"]) for t in interpreter.get_tensor_details()}
    on_maps = [op["op_name"] for op in interpreter._get_ops_details() if ranks[op["outputs"][0]] == 4]
    assert on_maps == ["SLICE"], on_maps
