"""The scoring loop of the evaluation and the summaries the report is made of.

`evaluate` follows the convention of `tunablecnn.metrics`: every method sees the same
unclipped noisy image per (image, sigma), and its output is clipped before scoring.
"""

import time

import numpy as np

from tunablecnn.metrics import add_noise, noise_seed, score_image


def evaluate(methods, datasets, sigmas, seed=0, progress=None, cache=None):
    """Score every method variant on every image and sigma; return one dict per (variant, sigma, image).

    `datasets` maps a channel count to `load_dataset` output (`Dataset.images`); methods run on the images of
    their channel count. Image i at sigma s gets the noise of `noise_seed(seed, i, s)`.
    Rows: method, kind, channels, setting, alpha, sigma, image, psnr, ssim, seconds.
    `progress(channels, done, total)` is called after each image. `cache` (a `ScoreCache`)
    supplies and keeps baseline scores; models always run.
    """
    rows = []
    for channels, images in datasets.items():
        group = [m for m in methods if m.channels == channels]
        for index, (name, clean) in enumerate(images):
            for sigma in sigmas:
                noisy = add_noise(clean, sigma, noise_seed(seed, index, sigma))
                rows += [_score(m, v, sigma, name, clean, noisy, cache if m.kind == "baseline" else None)
                         for m in group for v in m.variants(sigma)]
            if progress:
                progress(channels, index + 1, len(images))
    return rows


def summarize(rows):
    """Mean psnr, ssim and seconds per (method, setting, alpha, sigma), in first-seen order, with an image count."""
    groups = {}
    for row in rows:
        key = (row["method"], row["setting"], row["alpha"], row["sigma"])
        groups.setdefault(key, []).append(row)
    summary = []
    for members in groups.values():
        first = members[0]
        means = {k: float(np.mean([m[k] for m in members])) for k in ("psnr", "ssim", "seconds")}
        summary.append({k: first[k] for k in ("method", "kind", "channels", "setting", "alpha", "sigma")}
                       | means | {"images": len(members)})
    return summary


def best_alphas(summary):
    """`{method: {sigma: row}}`: the alpha-grid summary row with the best mean PSNR per tunable model and sigma."""
    best = {}
    for row in summary:
        if row["setting"] == "grid":
            current = best.setdefault(row["method"], {}).get(row["sigma"])
            if current is None or row["psnr"] > current["psnr"]:
                best[row["method"]][row["sigma"]] = row
    return best


def report_rows(summary):
    """The report's rows: `[{"label", "method", "kind", "channels", "scores": {sigma: summary row}}]`.

    A blind model or baseline gives one row (its name); a tunable model gives "NAME
    (calibrated)" and/or "NAME (best alpha)" (the grid alpha with the best mean PSNR per sigma).
    Models come first, then baselines, each in first-seen order.
    """
    rows = {}
    best = best_alphas(summary)
    for row in summary:
        if row["setting"] == "grid" and best[row["method"]][row["sigma"]] is not row:
            continue
        label = row["method"] + {"fixed": "", "calibrated": " (calibrated)", "grid": " (best alpha)"}[row["setting"]]
        fields = {k: row[k] for k in ("method", "kind", "channels")}
        entry = rows.setdefault(label, {"label": label, **fields, "scores": {}})
        entry["scores"][row["sigma"]] = row
    return sorted(rows.values(), key=lambda entry: entry["kind"] != "model")


def psnr_gaps(rows):
    """`[{"label": "A - B", "a", "b", "gaps": {sigma: dB}}]`: each model row minus each baseline and later model row.

    Only rows of the same channel count are compared; positive means A is better.
    """
    gaps = []
    for i, a in enumerate(rows):
        if a["kind"] != "model":
            continue
        for b in rows[i + 1:] + [r for r in rows[:i] if r["kind"] == "baseline"]:
            if b["channels"] == a["channels"]:
                common = [s for s in a["scores"] if s in b["scores"]]
                gaps.append({"label": f"{a['label']} - {b['label']}", "a": a["label"], "b": b["label"],
                             "gaps": {s: a["scores"][s]["psnr"] - b["scores"][s]["psnr"] for s in common}})
    return gaps


def model_metrics(summary, method):
    """`{sigma: {"psnr", "ssim", "alpha", "setting"}}` of one model for its metadata's `metrics`.

    A tunable model reports its calibrated rows (what `level=` gives a user) if they were run,
    else its best grid alpha per sigma; a blind model its only rows.
    """
    rows = [r for r in summary if r["method"] == method]
    chosen = [r for r in rows if r["setting"] in ("calibrated", "fixed")]
    if not chosen:
        chosen = list(best_alphas(rows).get(method, {}).values())
    # PSNR unrounded: a report shows it to 2 decimals, and a rounded copy can round again the other way
    return {f"{r['sigma']:g}": {"psnr": r["psnr"], "ssim": round(r["ssim"], 4), "alpha": r["alpha"],
                                "setting": r["setting"], "images": r["images"]} for r in chosen}


def _score(method, variant, sigma, image, clean, noisy, cache=None):
    setting, alpha, denoise = variant
    key = cache.key(method.name, noisy) if cache else None
    cached = cache.get(key) if cache else None
    if cached:
        psnr, ssim, seconds = cached
    else:
        start = time.perf_counter()
        restored = denoise(noisy)
        seconds = time.perf_counter() - start
        psnr, ssim = score_image(clean, restored)
        if cache:
            cache.put(key, psnr, ssim, seconds)
    return {"method": method.name, "kind": method.kind, "channels": method.channels, "setting": setting,
            "alpha": alpha, "sigma": sigma, "image": image, "psnr": psnr, "ssim": ssim, "seconds": seconds}
