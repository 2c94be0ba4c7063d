import numpy as np
import pytest
import tensorflow as tf

from tunablecnn.data.crop import random_crop, reflect_pad_to, resize_image

SEED = tf.constant([1, 2], tf.int64)


def test_resize_gives_the_shape_and_stays_in_range(rng):
    image = tf.constant(rng.random((30, 50, 3)), tf.float32)
    resized = resize_image(image, [20, 64])
    assert resized.shape == (20, 64, 3)
    assert 0 <= float(tf.reduce_min(resized)) and float(tf.reduce_max(resized)) <= 1


def test_reflect_pad_matches_numpy_for_small_pads(rng):
    image = rng.random((5, 6, 2)).astype(np.float32)
    padded = reflect_pad_to(tf.constant(image), [9, 8])
    expected = np.pad(image, [(2, 2), (1, 1), (0, 0)], mode="reflect")
    np.testing.assert_array_equal(padded, expected)


@pytest.mark.parametrize("size", [(1, 1), (2, 3), (3, 17)])
def test_reflect_pad_handles_pads_larger_than_the_image(size, rng):
    image = rng.random((*size, 1)).astype(np.float32)
    padded = reflect_pad_to(tf.constant(image), [16, 16]).numpy()
    assert padded.shape == (16, max(16, size[1]), 1)
    assert set(np.unique(padded)) <= set(np.unique(image))  # only original pixels, no zeros or blends


def test_images_at_least_as_large_are_not_padded(rng):
    image = tf.constant(rng.random((20, 20, 1)), tf.float32)
    np.testing.assert_array_equal(reflect_pad_to(image, [16, 20]), image)


def test_random_crop_is_a_block_of_the_image_and_reproducible(rng):
    image = rng.random((30, 40, 3)).astype(np.float32)
    crop = random_crop(tf.constant(image), [16, 12], SEED).numpy()
    assert crop.shape == (16, 12, 3)
    rows, cols = np.argwhere(image[:, :, 0] == crop[0, 0, 0])[0]
    np.testing.assert_array_equal(image[rows : rows + 16, cols : cols + 12], crop)
    np.testing.assert_array_equal(random_crop(tf.constant(image), [16, 12], SEED), crop)


def test_random_crop_of_a_small_image_pads(rng):
    crop = random_crop(tf.constant(rng.random((5, 40, 1)), tf.float32), [16, 16], SEED)
    assert crop.shape == (16, 16, 1)
