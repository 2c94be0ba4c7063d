import csv
import json

from tunablecnn.evaluate import write_report


def _row(setting, alpha, sigma, psnr):
    return {"method": "m", "kind": "model", "channels": 1, "setting": setting, "alpha": alpha, "sigma": sigma,
            "image": "a.png", "psnr": psnr, "ssim": 0.8, "seconds": 0.1}


def test_write_report_writes_every_file_from_the_rows(tmp_path):
    rows = [_row("grid", a, s, 25 + a + s / 100) for a in (0.0, 1.0) for s in (15.0, 25.0)]
    rows += [_row("calibrated", 0.3, s, 26.0) for s in (15.0, 25.0)]
    context = {"dataset": "set", "sigmas": [15.0, 25.0], "notes": ["a note"],
               "skipped": [{"file": "x.txt", "reason": "not an image file (extension)"}], "conversions": []}
    paths = write_report(tmp_path, context, rows)
    names = sorted(p.split("/")[-1] for p in map(str, paths))
    assert names == ["best_alpha.png", "modulation_m.png", "per_image.csv", "report.md", "results.json", "summary.csv"]
    with open(tmp_path / "summary.csv", newline="") as handle:
        assert len(list(csv.DictReader(handle))) == 6
    results = json.loads((tmp_path / "results.json").read_text())
    assert results["best_alpha"] == {"m": {"15": 1.0, "25": 1.0}}
    report = (tmp_path / "report.md").read_text()
    assert "- skipped x.txt: not an image file (extension)" in report and "- a note" in report
    assert "| m (calibrated) | 26.00 / 0.8000 (α=0.30) |" in report
