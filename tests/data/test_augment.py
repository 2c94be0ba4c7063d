import math

import numpy as np
import pytest
import tensorflow as tf

from tunablecnn.data.augment import augment, invert, random_invert, random_rotate, rotate


@pytest.fixture
def image(rng):
    return tf.constant(rng.random((12, 10, 3)), tf.float32)


def _seed(index):
    return tf.constant([index, 7], tf.int64)


def test_rotation_by_zero_is_the_identity(image):
    np.testing.assert_array_equal(rotate(image, tf.constant(0.0)), image)


def test_rotation_by_a_right_angle_matches_rot90(rng):
    square = tf.constant(rng.random((9, 9, 1)), tf.float32)
    rotated = rotate(square, tf.constant(math.pi / 2)).numpy()
    # Counter-clockwise, as np.rot90; sin/cos rounding gives tiny bilinear blends.
    np.testing.assert_allclose(rotated, np.rot90(square.numpy()), atol=1e-4)


def test_random_rotation_keeps_shape_and_range_with_reflect_fill(image):
    for index in range(3):
        rotated = random_rotate(image, 0.8, _seed(index))
        assert rotated.shape == image.shape
        # Reflection fill: no black (zero) corners, values stay in the input range.
        assert float(tf.reduce_min(rotated)) >= float(tf.reduce_min(image)) - 1e-6
        assert float(tf.reduce_max(rotated)) <= float(tf.reduce_max(image)) + 1e-6
        assert not np.allclose(rotated, image)


def test_invert_is_one_minus_x(image):
    np.testing.assert_allclose(invert(image), 1.0 - image.numpy())


def test_random_invert_gives_x_or_one_minus_x_and_both_happen(image):
    outcomes = set()
    for index in range(12):
        out = random_invert(image, _seed(index)).numpy()
        if np.array_equal(out, image):
            outcomes.add("same")
        else:
            np.testing.assert_allclose(out, 1.0 - image.numpy())
            outcomes.add("inverted")
    assert outcomes == {"same", "inverted"}


def test_augment_with_nothing_enabled_is_the_identity(image):
    np.testing.assert_array_equal(augment(image, _seed(0)), image)


def test_flips_give_one_of_the_four_flips_and_all_occur(image):
    x = image.numpy()
    flips = {"none": x, "lr": x[:, ::-1], "ud": x[::-1], "both": x[::-1, ::-1]}
    seen = set()
    for index in range(20):
        out = augment(image, _seed(index), flip_left_right=True, flip_up_down=True).numpy()
        assert out.shape == x.shape
        seen |= {name for name, flipped in flips.items() if np.array_equal(out, flipped)}
    assert seen == set(flips)
