import logging
import os

import pytest

from tunablecnn import ConfigError
from tunablecnn.data.files import DatasetError, list_images, resolve_directories, scan_images
from tests.data.helpers import GOOD


def _relative(paths, folder):
    return [os.path.relpath(p, folder).replace(os.sep, "/") for p in paths]


def test_listing_is_recursive_sorted_and_keeps_only_images(image_folder):
    scan = scan_images([image_folder])
    # truncated.png has a valid header: listing checks headers only, the pipeline skips it later.
    assert _relative(scan.images, image_folder) == sorted(GOOD + ["sub/truncated.png"])
    assert _relative(scan.skipped, image_folder) == ["fake.png", "notes.txt"]


def test_list_images_logs_the_skipped_count(image_folder, caplog):
    with caplog.at_level(logging.INFO, logger="tunablecnn.data.files"):
        images = list_images([str(image_folder)])
    assert len(images) == 6
    assert "skipped 2 non-image or unreadable file(s)" in caplog.text
    assert "found 6 image(s)" in caplog.text


def test_list_images_logs_the_counts_once_per_folder(image_folder, caplog):
    """A training run lists its folders several times per stage; `found 6 image(s)` once is enough."""
    with caplog.at_level(logging.INFO, logger="tunablecnn.data.files"):
        for _ in range(3):
            assert len(list_images([str(image_folder)])) == 6
    assert caplog.text.count("found 6 image(s)") == 1 and caplog.text.count("skipped 2") == 1
    caplog.clear()
    with caplog.at_level(logging.DEBUG, logger="tunablecnn.data.files"):  # --verbose shows the repeats
        list_images([str(image_folder)])
    assert "found 6 image(s)" in caplog.text


def test_several_directories_and_duplicates(image_folder, clean_folder):
    images = list_images([image_folder, clean_folder, image_folder])
    assert len(images) == 6 + 3
    assert len(set(images)) == len(images)


def test_relative_directories_resolve_against_the_working_directory(image_folder, monkeypatch):
    monkeypatch.chdir(image_folder.parent)
    assert resolve_directories(["images"]) == [str(image_folder)]
    assert resolve_directories("images") == [str(image_folder)]
    assert len(list_images(["images/sub"])) == 4


def test_missing_directory_is_an_error_naming_it(tmp_path):
    missing = tmp_path / "nowhere"
    with pytest.raises(DatasetError, match=f"not a directory: {missing}"):
        list_images([missing])


@pytest.mark.parametrize("content", [None, "notes.txt", "fake.png"])
def test_directory_without_images_is_an_error_naming_it(tmp_path, content):
    if content:
        (tmp_path / content).write_text("text")
    with pytest.raises(DatasetError, match=f"no readable PNG/JPEG/BMP/TIFF image in {tmp_path}"):
        list_images([tmp_path])


def test_one_empty_directory_among_good_ones_still_fails(image_folder, tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(DatasetError, match=str(empty)):
        list_images([image_folder, empty])


def test_dataset_error_is_a_config_error():
    assert issubclass(DatasetError, ConfigError) and issubclass(DatasetError, ValueError)
    with pytest.raises(DatasetError, match="no directory given"):
        resolve_directories([])


def test_package_folder_uri_resolves_to_installed_package():
    import skimage

    from tunablecnn.data.files import resolve_directories

    (folder,) = resolve_directories(["pkg://skimage/data"])
    assert folder == os.path.join(os.path.dirname(skimage.__file__), "data")
    assert len(list_images([folder])) > 10


def test_package_folder_of_missing_package():
    from tunablecnn.data.files import resolve_directories

    with pytest.raises(DatasetError, match="pkg://nopackage/x: package 'nopackage' is not installed"):
        resolve_directories(["pkg://nopackage/x"])
