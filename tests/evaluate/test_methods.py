import sys
import time

import numpy as np
import pytest

from tunablecnn.evaluate import EvaluationError, baseline_methods, bm3d_denoise, model_methods, nlm_denoise


def test_default_tunable_setting_is_calibrated(exported_tunable):
    (method,) = model_methods([exported_tunable])
    variants = method.variants(25.0)
    assert [v[0] for v in variants] == ["calibrated"] and 0 <= variants[0][1] <= 1
    (method,) = model_methods([exported_tunable], alphas=[0.0, 1.0])
    assert [(v[0], v[1]) for v in method.variants(25.0)] == [("grid", 0.0), ("grid", 1.0)]


def test_nlm_baseline_denoises_gray_and_rgb(rng):
    for channels in (1, 3):
        clean = np.full((32, 32, channels), 120.0)
        noisy = clean + rng.normal(0, 25, clean.shape)
        restored = nlm_denoise(noisy, 25)
        assert restored.shape == clean.shape
        assert np.abs(restored - clean).mean() < 0.5 * np.abs(noisy - clean).mean()


def test_missing_bm3d_is_skipped_with_a_notice(monkeypatch):
    monkeypatch.setitem(sys.modules, "bm3d", None)  # makes `import bm3d` raise ImportError
    methods, notices = baseline_methods(["bm3d", "nlm"], {1})
    assert [m.name for m in methods] == ["nlm"] and "bm3d is not installed" in notices[0]
    with pytest.raises(EvaluationError, match="unknown baseline"):
        baseline_methods(["wiener"], {1})


def test_bm3d_baseline_on_a_tiny_image(rng):
    pytest.importorskip("bm3d")
    clean = np.full((32, 32, 1), 120.0)
    noisy = clean + rng.normal(0, 25, clean.shape)
    start = time.perf_counter()
    restored = bm3d_denoise(noisy, 25)
    assert time.perf_counter() - start < 30
    assert restored.shape == clean.shape
    assert np.abs(restored - clean).mean() < 0.5 * np.abs(noisy - clean).mean()
