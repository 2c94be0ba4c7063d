import numpy as np
import pytest

from tunablecnn.restore.tasks import RestoreError, check_kernel, check_mask, task_operator


@pytest.mark.parametrize("kernel, message", [
    (np.ones((3, 3, 3)), "must be 2-D"),
    (-np.ones((3, 3)), "positive sum"),
    (np.zeros((3, 3)), "positive sum"),
    (np.full((3, 3), np.nan), "NaN"),
    (np.ones((40, 3)), "larger than the image"),
])
def test_bad_kernels_are_refused_with_the_reason(kernel, message):
    with pytest.raises(RestoreError, match=message):
        check_kernel(kernel, (32, 32, 1))


def test_kernel_is_normalized_to_sum_one():
    assert check_kernel(np.full((3, 3), 2.0), (8, 8, 1)).sum() == pytest.approx(1.0)


def test_mask_of_another_size_or_all_missing_is_refused():
    with pytest.raises(RestoreError, match="mask is 16x8 but the image is 16x16"):
        check_mask(np.zeros((16, 8)), (16, 16, 1))
    with pytest.raises(RestoreError, match="every pixel"):
        check_mask(np.ones((16, 16)), (16, 16, 1))


@pytest.mark.parametrize("task, options, message", [
    ("denoise", {}, "unknown task 'denoise'"),
    ("deblur", {}, "needs a blur kernel"),
    ("inpaint", {}, "needs a mask"),
    ("super-resolve", {"scale": 5}, "--scale in"),
])
def test_missing_or_unknown_inputs_are_refused(task, options, message):
    with pytest.raises(RestoreError, match=message):
        task_operator(task, (16, 16, 1), **options)
