import shutil

import cv2
import numpy as np
import pytest

from tunablecnn.data.files import DatasetError
from tunablecnn.data.pipeline import make_dataset, validation_batch
from tunablecnn.data.split import dataset_files
from tests.data.helpers import dataset_config, undecodable_folder


def _flat_images(folder, count):
    """`count` (at most 50) constant gray images, image i of value 5 * (i + 1): a crop tells which file it came from."""
    folder.mkdir(parents=True)
    for i in range(count):
        cv2.imwrite(str(folder / f"flat{i:02d}.png"), np.full((24, 24), 5 * (i + 1), np.uint8))
    return folder


def _sources(clean):
    """The file indices the crops of a clean batch came from."""
    return {int(round(v * 255 / 5)) - 1 for v in np.asarray(clean)[:, 0, 0, 0]}


def test_validation_images_are_held_out_of_training(tmp_path):
    config = dataset_config([_flat_images(tmp_path / "flat", 10)], input_shape=[8, 8], batch_size=32,
                            validation_fraction=0.2)
    files = dataset_files(config)
    held_out = {int(p[-6:-4]) for p in files.validation}
    assert len(held_out) == 2 and files.validation_label == "2 held-out images (dataset.validation_fraction 0.2)"
    assert _sources(validation_batch(config, seed=0)[1]) == held_out
    trained = set().union(*(_sources(clean) for _, clean in make_dataset(config, seed=0).take(5)))
    assert trained == set(range(10)) - held_out


def test_the_split_is_fixed_and_survives_moving_the_folder(tmp_path):
    folder = _flat_images(tmp_path / "a", 40)
    first = dataset_files(dataset_config([folder])).validation
    assert len(first) == 2 and first == dataset_files(dataset_config([folder])).validation  # 5 % of 40
    moved = shutil.move(str(folder), str(tmp_path / "b"))
    assert [p.replace(str(tmp_path / "b"), str(folder)) for p in dataset_files(dataset_config([moved])).validation] \
        == list(first)
    assert len(dataset_files(dataset_config([moved], validation_fraction=0.01)).validation) == 1  # at least one


def test_undecodable_files_are_not_held_out(tmp_path):
    folder = _flat_images(tmp_path / "flat", 3)
    for i in range(3):
        (folder / f"broken{i}.png").write_bytes((folder / "flat00.png").read_bytes()[:60])
    files = dataset_files(dataset_config([folder], validation_fraction=0.4))  # 2 of 6
    assert len(files.validation) == 2 and all("flat" in p for p in files.validation)
    assert len(files.train) == 4 and not set(files.validation) & set(files.train)


def test_a_validation_directory_replaces_the_fraction(tmp_path):
    train = _flat_images(tmp_path / "train", 4)
    inside = _flat_images(train / "val", 2)  # a validation folder inside the training folder is left out of training
    files = dataset_files(dataset_config([train], validation_directory=[str(inside)]))
    assert files.validation == tuple(str(inside / f"flat{i:02d}.png") for i in range(2))
    assert len(files.train) == 4 and not set(files.train) & set(files.validation)
    assert files.validation_label == "2 images in dataset.validation_directory"
    with pytest.raises(DatasetError, match="dataset.validation_directory: not a directory"):
        dataset_files(dataset_config([train], validation_directory=[str(tmp_path / "none")]))


def test_fraction_zero_validates_on_training_images_and_says_so(tmp_path):
    files = dataset_files(dataset_config([_flat_images(tmp_path / "flat", 3)], validation_fraction=0))
    assert files.validation == files.train and len(files.train) == 3
    assert "not held out" in files.validation_label or "none held out" in files.validation_label


def test_one_image_cannot_be_both_held_out_and_trained_on(tmp_path):
    with pytest.raises(DatasetError, match="leaves no decodable training image in .*validation_fraction to 0"):
        dataset_files(dataset_config([_flat_images(tmp_path / "flat", 1)]))


def test_nothing_decodes_names_the_folder_and_every_problem(tmp_path):
    """The issue's folder: a truncated PNG, a text file and an empty file."""
    folder = undecodable_folder(tmp_path / "bad")
    with pytest.raises(DatasetError) as raised:
        dataset_files(dataset_config([folder]))
    assert str(raised.value) == (
        f"dataset.directory: no image in {folder} decodes; 3 file(s): cut.png (does not decode: truncated or damaged), "
        "empty.png (empty file), notes.txt (not an image)"
    )
