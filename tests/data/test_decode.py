import logging

import pytest
import tensorflow as tf

from tunablecnn.data.decode import DecodeFailures, exhausted_message, load_image


def test_load_image_in_tensorflow(image_folder):
    failures = DecodeFailures(total=10)
    image, ok = load_image(tf.constant(str(image_folder / "sub" / "wide16.tif")), 3, failures)
    assert bool(ok) and image.shape == (20, 48, 3) and image.dtype == tf.float32
    image, ok = load_image(tf.constant(str(image_folder / "sub" / "truncated.png")), 3, failures)
    assert not bool(ok) and image.shape == (0, 0, 3)
    assert len(failures.paths) == 1


def test_load_image_fails_with_the_message_once_every_file_failed(image_folder):
    failures = DecodeFailures(total=1, source="dataset.directory /data")
    with pytest.raises(tf.errors.InvalidArgumentError) as raised:
        load_image(tf.constant(str(image_folder / "sub" / "truncated.png")), 1, failures)
    assert exhausted_message(raised.value) == failures.message
    assert failures.message.startswith("dataset.directory /data: none of the 1 image(s) decodes any more")
    assert exhausted_message(tf.errors.InvalidArgumentError(None, None, "assertion failed: [x > 0]")) is None


def test_failures_are_counted_once_and_logged(caplog):
    failures = DecodeFailures(total=3)
    with caplog.at_level(logging.WARNING, logger="tunablecnn.data.decode"):
        assert not failures.record("a.png")
        assert not failures.record("a.png")
        assert not failures.record("b.png")
    assert failures.paths == {"a.png", "b.png"} and "a.png" in failures
    assert "(2 skipped so far)" in caplog.text
    assert failures.record("c.png") and failures.record("a.png")  # all failed: on every later failure too
    assert caplog.text.count("skipped unreadable image") == 3
