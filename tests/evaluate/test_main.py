"""`python -m tunablecnn.evaluate`: the report files, options, exit statuses and messages."""

import csv
import json
import shutil

import cv2
import pytest

from tunablecnn import load_model
from tunablecnn.evaluate import DEFAULT_ALPHAS, methods
from tunablecnn.evaluate.__main__ import main, parse_alphas, parse_sigmas


def _run(*args):
    return main([str(a) for a in args])


def _read_csv(path):
    with open(path, newline="") as handle:
        return list(csv.DictReader(handle))


def test_end_to_end_report(exported_tunable, exported_blind_color, dataset, tmp_path, capsys):
    out = tmp_path / "report"
    assert _run("--model", exported_tunable, "--model", exported_blind_color, "--dataset", dataset, "--sigmas", "15,25",
                "--alphas", "0:1:0.5", "--calibrated", "--baselines", "nlm", "--output", out) == 0
    assert "images: 2/2" in capsys.readouterr().err
    per_image = _read_csv(out / "per_image.csv")
    # gray tunable: 3 alphas + calibrated; RGB blind: 1; nlm gray and RGB: 2 -> 7 variants x 2 sigmas x 2 images
    assert len(per_image) == 7 * 2 * 2
    assert {r["method"] for r in per_image} == {"exported", "exported-2", "nlm-gray", "nlm-rgb"}
    assert {r["image"] for r in per_image} == {"img0.png", "img1.png"}
    summary = _read_csv(out / "summary.csv")
    assert len(summary) == 7 * 2 and all(r["images"] == "2" for r in summary)
    nlm = [r for r in summary if r["method"] == "nlm-gray"]
    assert len(nlm) == 2 and all(10 < float(r["psnr"]) < 60 and 0 < float(r["ssim"]) <= 1 for r in nlm)
    results = json.loads((out / "results.json").read_text())
    labels = [row["label"] for row in results["table"]]
    assert labels == ["exported (best alpha)", "exported (calibrated)", "exported-2", "nlm-gray", "nlm-rgb"]
    assert set(results["best_alpha"]["exported"]) == {"15", "25"}
    assert results["best_alpha"]["exported"]["15"] in (0.0, 0.5, 1.0)
    gaps = {g["label"] for g in results["gaps"]}
    assert {"exported (calibrated) - nlm-gray", "exported-2 - nlm-rgb",
            "exported (best alpha) - exported (calibrated)"} <= gaps
    assert "exported-2 - nlm-gray" not in gaps  # RGB and gray rows are not compared
    report = (out / "report.md").read_text()
    assert "| method | σ=15 | σ=25 |" in report and "| nlm-gray | " in report and "(α=" in report
    assert "## PSNR gaps" in report and "## Modulation: exported" in report and "fastNlMeansDenoising" in report
    for png in ("modulation_exported.png", "best_alpha.png"):
        assert cv2.imread(str(out / png)) is not None


@pytest.mark.parametrize(("args", "message"), [
    (["--sigmas", "15,abc"], "--sigmas wants comma-separated noise levels"),
    (["--sigmas", "0,25"], "--sigmas wants distinct finite levels > 0"),
    (["--alphas", "0:1"], "--alphas wants START:STOP:STEP"),
    (["--alphas", "0:2:0.5"], "--alphas must lie in [-1.5, 1]"),
    (["--baselines", "nlm,wiener"], "unknown baseline(s) wiener"),
    (["--max-images", "0"], "expected an integer >= 1"),
])
def test_bad_options_exit_two(dataset, tmp_path, capsys, args, message):
    with pytest.raises(SystemExit) as exit_info:
        _run("--model", "anything", "--dataset", dataset, "--output", tmp_path / "r", *args)
    err = capsys.readouterr().err
    assert exit_info.value.code == 2 and message in err and "Traceback" not in err


def test_unknown_model_and_missing_dataset_exit_two(exported_tunable, dataset, tmp_path, capsys):
    assert _run("--model", "no-such-model", "--dataset", dataset, "--output", tmp_path / "r") == 2
    assert "bundled models:" in capsys.readouterr().err
    assert _run("--model", exported_tunable, "--dataset", tmp_path / "missing", "--output", tmp_path / "r") == 2
    err = capsys.readouterr().err
    assert "not a directory" in err and "Traceback" not in err


def test_parsers():
    assert parse_sigmas("15,25,35,50") == [15.0, 25.0, 35.0, 50.0]
    assert parse_alphas("0:1:0.1") == list(DEFAULT_ALPHAS) and len(DEFAULT_ALPHAS) == 11
    assert parse_alphas("1,0.5,0.5") == [0.5, 1.0]
    with pytest.raises(ValueError, match="distinct"):
        parse_sigmas("25,25")


def test_record_metrics_writes_the_calibrated_results_into_metadata(exported_tunable, dataset, tmp_path):
    model = tmp_path / "model"
    shutil.copytree(exported_tunable, model)  # the session fixture stays untouched
    assert _run("--model", model, "--dataset", dataset, "--sigmas", "15,25", "--output", tmp_path / "r",
                "--record-metrics") == 0
    metrics = json.loads((model / "metadata.json").read_text())["metrics"]["clean"]
    summary = {(r["setting"], r["sigma"]): r for r in _read_csv(tmp_path / "r" / "summary.csv")}
    assert set(metrics["sigmas"]) == {"15", "25"}
    for sigma, entry in metrics["sigmas"].items():
        assert entry["setting"] == "calibrated" and entry["images"] == 2
        assert entry["psnr"] == pytest.approx(float(summary[("calibrated", sigma + ".0")]["psnr"]), abs=1e-3)
    assert load_model(model).metadata["metrics"]["clean"]["seed"] == 0  # still a loadable export


def test_baseline_cache_reuses_scores_for_the_same_noisy_images_only(exported_tunable, dataset, tmp_path, monkeypatch):
    cache = tmp_path / "cache.jsonl"
    common = ("--model", exported_tunable, "--dataset", dataset, "--sigmas", "15", "--baselines", "nlm",
              "--baseline-cache", cache)
    assert _run(*common, "--output", tmp_path / "a") == 0
    assert len(cache.read_text().splitlines()) == 2  # 2 images x 1 sigma

    def must_not_run(noisy, sigma):
        raise AssertionError("cached baseline ran again")

    monkeypatch.setattr(methods, "nlm_denoise", must_not_run)
    assert _run(*common, "--output", tmp_path / "b") == 0
    first, second = (_read_csv(tmp_path / d / "summary.csv") for d in "ab")
    assert [r for r in first if r["method"] == "nlm"] == [r for r in second if r["method"] == "nlm"]
    assert "2 baseline score(s) read from" in (tmp_path / "b" / "report.md").read_text()
    with pytest.raises(AssertionError, match="ran again"):  # another seed: other noisy images, no hit
        _run(*common, "--seed", "1", "--output", tmp_path / "c")


def test_self_ensemble_adds_x8_rows_at_the_calibrated_alpha_and_metrics_stay_plain(exported_tunable, dataset, tmp_path):
    model = tmp_path / "model"
    shutil.copytree(exported_tunable, model)
    assert _run("--model", model, "--dataset", dataset, "--sigmas", "25", "--alphas", "0,1", "--calibrated",
                "--self-ensemble", "--record-metrics", "--output", tmp_path / "r") == 0
    summary = _read_csv(tmp_path / "r" / "summary.csv")
    ensemble = [r for r in summary if r["method"] == "exported+x8"]
    assert [(r["setting"], r["images"]) for r in ensemble] == [("calibrated", "2")]  # no alpha grid at 8x cost
    plain = next(r for r in summary if r["method"] == "exported" and r["setting"] == "calibrated")
    assert ensemble[0]["psnr"] != plain["psnr"]
    recorded = json.loads((model / "metadata.json").read_text())["metrics"]["clean"]["sigmas"]["25"]
    assert recorded["psnr"] == pytest.approx(float(plain["psnr"]), abs=1e-3)
    assert "exported (calibrated) - exported+x8 (calibrated)" in (tmp_path / "r" / "report.md").read_text()


TRUNCATED = "skipped truncated.png: cannot be decoded (truncated or corrupt)"


def test_skipped_files_and_conversions_are_reported(exported_tunable, exported_blind_color, mixed_dataset, tmp_path,
                                                    capsys):
    out = tmp_path / "report"
    assert _run("--model", exported_tunable, "--model", exported_blind_color, "--dataset", mixed_dataset,
                "--sigmas", "25", "--alphas", "0", "--output", out) == 0
    err = capsys.readouterr().err
    results = json.loads((out / "results.json").read_text())
    assert results["skipped"] == [{"file": "notes.txt", "reason": "not an image file (extension)"},
                                  {"file": "truncated.png", "reason": "cannot be decoded (truncated or corrupt)"}]
    assert results["conversions"] == [
        {"from": "colour", "to": "gray", "images": ["colour.png"], "methods": ["exported"]},
        {"from": "gray", "to": "RGB", "images": ["gray.png"], "methods": ["exported-2"]},
    ]
    report = (out / "report.md").read_text()
    for line in (TRUNCATED, "1 colour image(s) converted to gray for exported", "1 gray image(s) replicated to RGB"):
        assert f"note: {line}" in err and f"- {line}" in report
    assert {r["image"] for r in _read_csv(out / "per_image.csv")} == {"colour.png", "gray.png"}
