import numpy as np

from tunablecnn.evaluate import Method, ScoreCache, evaluate, model_metrics, psnr_gaps, report_rows, summarize
from tunablecnn.metrics import add_noise, noise_seed, score_image


def test_report_rows_and_gaps():
    def row(method, kind, setting, alpha, psnr):
        return {"method": method, "kind": kind, "channels": 1, "setting": setting, "alpha": alpha, "sigma": 25.0,
                "image": "a.png", "psnr": psnr, "ssim": 0.5, "seconds": 0.1}

    rows = [row("m", "model", "grid", 0.0, 27.0), row("m", "model", "grid", 0.5, 28.0),
            row("b", "model", "fixed", None, 27.5), row("nlm", "baseline", "fixed", None, 26.0)]
    table = report_rows(summarize(rows))
    labels = [(r["label"], r["scores"][25.0]["alpha"]) for r in table]
    assert labels == [("m (best alpha)", 0.5), ("b", None), ("nlm", None)]
    gaps = {g["label"]: g["gaps"][25.0] for g in psnr_gaps(table)}
    assert gaps == {"m (best alpha) - b": 0.5, "m (best alpha) - nlm": 2.0, "b - nlm": 1.5}


def _identity(name, kind="model"):
    return Method(name, kind, 1, lambda sigma: [("fixed", None, lambda noisy: noisy)])


def test_every_method_sees_the_same_noisy_image_and_is_scored_clipped():
    clean = np.full((16, 16, 1), 128.0)
    rows = evaluate([_identity("a"), _identity("b")], {1: [("flat.png", clean)]}, [25.0], seed=3)
    noisy = add_noise(clean, 25.0, noise_seed(3, 0, 25.0))
    expected = score_image(clean, noisy)
    assert [(r["method"], r["psnr"], r["ssim"]) for r in rows] == [("a", *expected), ("b", *expected)]


def test_baseline_scores_come_from_the_cache_and_model_scores_never_do(tmp_path):
    clean = np.full((16, 16, 1), 128.0)
    cache = ScoreCache(str(tmp_path / "cache.jsonl"))
    methods = [_identity("model"), _identity("nlm", kind="baseline")]
    evaluate(methods, {1: [("flat.png", clean)]}, [25.0], cache=cache)
    assert cache.hits == 0 and len(cache.entries) == 1
    evaluate(methods, {1: [("flat.png", clean)]}, [25.0], cache=cache)
    assert cache.hits == 1


def test_model_metrics_prefer_the_calibrated_rows():
    def row(setting, alpha, psnr):
        return {"method": "m", "kind": "model", "channels": 1, "setting": setting, "alpha": alpha, "sigma": 25.0,
                "image": "a.png", "psnr": psnr, "ssim": 0.5, "seconds": 0.1}

    summary = summarize([row("grid", 0.5, 29.0), row("calibrated", 0.4, 28.5)])
    assert model_metrics(summary, "m") == {"25": {"psnr": 28.5, "ssim": 0.5, "alpha": 0.4, "setting": "calibrated",
                                                  "images": 1}}
    grid_only = summarize([row("grid", 0.0, 27.0), row("grid", 0.5, 29.0)])
    assert model_metrics(grid_only, "m")["25"]["alpha"] == 0.5
