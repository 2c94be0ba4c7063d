import numpy as np
import pytest

from tunablecnn.data import DatasetError
from tunablecnn.evaluate import read_dataset


def test_read_dataset_keeps_every_decodable_image_and_says_why_others_are_missing(mixed_dataset):
    gray = read_dataset(mixed_dataset, 1)
    assert [name for name, _ in gray.images] == ["colour.png", "gray.png"] and gray.converted == ["colour.png"]
    assert [name for name, _ in gray.skipped] == ["notes.txt", "truncated.png"]
    rgb = read_dataset(mixed_dataset, 3)
    assert rgb.converted == ["gray.png"] and rgb.images[0][1].shape == (24, 32, 3)
    np.testing.assert_array_equal(gray.images[1][1][..., 0], rgb.images[1][1][..., 0])  # gray.png as stored


def test_a_folder_where_no_image_decodes_is_a_dataset_error(mixed_dataset):
    for name in ("gray.png", "colour.png"):
        (mixed_dataset / name).unlink()
    with pytest.raises(DatasetError, match="no readable image"):
        read_dataset(mixed_dataset, 1)
