"""Files written by `python -m tunablecnn.evaluate`: CSV, JSON, a markdown report and PNG plots.

`write_report(directory, context, rows)` writes, from the per-image rows of
`tunablecnn.evaluate.evaluate`:
- `per_image.csv`: one line per method variant, sigma and image (psnr, ssim, seconds);
- `summary.csv`: means over images per method variant and sigma;
- `results.json`: the context (dataset, sigmas, seed, skipped files and their reasons, images
  converted to a model's channels, conventions, notices), the report table, the PSNR gaps, the
  best alphas, the summary and the per-image rows;
- `report.md`: the skipped files and conversions, PSNR / SSIM table (rows = methods, columns =
  sigmas, alpha noted for tunable models), PSNR gaps between models and to each baseline, a
  modulation table per alpha grid;
- `modulation_<model>.png`: PSNR vs alpha, one line per sigma, for each model run on a grid;
- `best_alpha.png`: best grid alpha (and calibrated alpha) vs sigma, for the tunable models.
"""

import csv
import json
import os
import re

from tunablecnn.evaluate.datasets import dataset_notes
from tunablecnn.evaluate.run import best_alphas, psnr_gaps, report_rows, summarize

ROW_FIELDS = ("method", "kind", "channels", "setting", "alpha", "sigma", "image", "psnr", "ssim", "seconds")
SUMMARY_FIELDS = ("method", "kind", "channels", "setting", "alpha", "sigma", "images", "psnr", "ssim", "seconds")


def write_report(directory, context, rows):
    """Write every report file for the per-image `rows` into `directory`; return the written paths.

    `context` is a JSON-ready dict with at least "dataset" and "sigmas"; its optional
    "skipped" and "conversions" (see `tunablecnn.evaluate.dataset_record`) open the markdown
    report and its optional "notes" (list of strings) end it.
    """
    os.makedirs(directory, exist_ok=True)
    summary = summarize(rows)
    table, best = report_rows(summary), best_alphas(summary)
    paths = [_write_csv(os.path.join(directory, "per_image.csv"), rows, ROW_FIELDS),
             _write_csv(os.path.join(directory, "summary.csv"), summary, SUMMARY_FIELDS)]
    payload = {**context, "table": [_json_row(r) for r in table], "gaps": _json_gaps(psnr_gaps(table)),
               "best_alpha": {m: {_s(s): r["alpha"] for s, r in by.items()} for m, by in best.items()},
               "summary": summary, "per_image": rows}
    paths.append(_write_text(os.path.join(directory, "results.json"), json.dumps(payload, indent=1) + "\n"))
    plots = _plots(directory, summary, best)
    paths.append(_write_text(os.path.join(directory, "report.md"), markdown_report(context, summary, plots)))
    return paths + plots


def markdown_report(context, summary, plots=()):
    """The markdown text of `report.md` (see the module docstring)."""
    table = report_rows(summary)
    sigmas = context["sigmas"]
    lines = [f"# Evaluation: {context['dataset']}\n\n", _intro(context), *_dataset_section(context),
             "## PSNR (dB) / SSIM\n\n", _header("method", sigmas)]
    lines += [f"| {r['label']} | " + " | ".join(_cell(r["scores"].get(s)) for s in sigmas) + " |\n" for r in table]
    gaps = psnr_gaps(table)
    if gaps:
        lines += ["\n## PSNR gaps (dB; positive: the first is better)\n\n", _header("comparison", sigmas)]
        lines += [f"| {g['label']} | " + " | ".join(_signed(g["gaps"].get(s)) for s in sigmas) + " |\n" for g in gaps]
    for method, grid in _grids(summary).items():
        lines += _modulation_table(method, grid, sigmas)
    lines += [f"\n![{os.path.splitext(os.path.basename(p))[0]}]({os.path.basename(p)})\n" for p in plots]
    lines += ["\n## Notes\n\n"] + [f"- {note}\n" for note in context.get("notes", [])]
    return "".join(lines)


def plot_modulation(path, method, grid):
    """PNG of PSNR vs alpha for one model, one line per sigma; `grid` is `{sigma: [summary rows]}`."""
    figure, axis = _figure()
    for sigma, rows in grid.items():
        axis.plot([r["alpha"] for r in rows], [r["psnr"] for r in rows], marker="o", label=f"σ={_s(sigma)}")
    axis.set(xlabel="alpha", ylabel="PSNR (dB)", title=f"Modulation curves: {method}")
    return _save(figure, axis, path)


def plot_best_alpha(path, best, calibrated):
    """PNG of the best grid alpha (solid) and the calibrated alpha (dashed) vs sigma, per tunable model."""
    figure, axis = _figure()
    for method, by_sigma in best.items():
        sigmas = sorted(by_sigma)
        axis.plot(sigmas, [by_sigma[s]["alpha"] for s in sigmas], marker="o", label=f"{method} (best on grid)")
    for method, rows in calibrated.items():
        rows = sorted(rows, key=lambda r: r["sigma"])
        axis.plot([r["sigma"] for r in rows], [r["alpha"] for r in rows], "--", marker="x",
                  label=f"{method} (calibrated)")
    axis.set(xlabel="noise sigma (0-255)", ylabel="alpha", title="Best alpha vs noise level", ylim=(-0.05, 1.05))
    return _save(figure, axis, path)


def _plots(directory, summary, best):
    paths = []
    for method, grid in _grids(summary).items():
        paths.append(plot_modulation(os.path.join(directory, f"modulation_{_safe(method)}.png"), method, grid))
    calibrated = {}
    for row in summary:
        if row["setting"] == "calibrated":
            calibrated.setdefault(row["method"], []).append(row)
    if best or calibrated:
        paths.append(plot_best_alpha(os.path.join(directory, "best_alpha.png"), best, calibrated))
    return paths


def _grids(summary):
    """`{method: {sigma: [grid rows sorted by alpha]}}` for the models run on an alpha grid."""
    grids = {}
    for row in summary:
        if row["setting"] == "grid":
            grids.setdefault(row["method"], {}).setdefault(row["sigma"], []).append(row)
    return {m: {s: sorted(rows, key=lambda r: r["alpha"]) for s, rows in g.items()} for m, g in grids.items()}


def _modulation_table(method, grid, sigmas):
    alphas = sorted({r["alpha"] for rows in grid.values() for r in rows})
    best = {s: max(rows, key=lambda r: r["psnr"])["alpha"] for s, rows in grid.items()}
    lines = [f"\n## Modulation: {method} (mean PSNR dB per alpha; best in bold)\n\n", _header("alpha", sigmas)]
    for alpha in alphas:
        cells = []
        for s in sigmas:
            psnr = next((r["psnr"] for r in grid.get(s, []) if r["alpha"] == alpha), None)
            cells.append("" if psnr is None else f"**{psnr:.2f}**" if best[s] == alpha else f"{psnr:.2f}")
        lines.append(f"| {alpha:g} | " + " | ".join(cells) + " |\n")
    return lines


def _intro(context):
    images = context.get("images", {})
    counts = ", ".join(f"{len(names)} {'gray' if int(c) == 1 else 'RGB'}" for c, names in images.items())
    return (f"{counts} image(s); Gaussian noise added unclipped to the clean image in [0, 255] with seed "
            f"`noise_seed({context.get('seed', 0)}, image index, sigma)` (tunablecnn.metrics); outputs clipped to "
            "[0, 255]; PSNR with peak 255; means over images. Tunable models: α is the alpha used (calibrated) "
            "or the grid alpha with the best mean PSNR (an oracle choice per sigma).\n\n")


def _dataset_section(context):
    """Skipped files (with the reason) and converted images, so no image leaves the report unseen."""
    record = {"skipped": context.get("skipped", []), "conversions": context.get("conversions", [])}
    notes = dataset_notes(record)
    return ["## Dataset: skipped files and conversions\n\n", *(f"- {note}\n" for note in notes), "\n"] if notes else []


def _header(first, sigmas):
    return f"| {first} | " + " | ".join(f"σ={_s(s)}" for s in sigmas) + " |\n|---|" + "---|" * len(sigmas) + "\n"


def _cell(row):
    if row is None:
        return ""
    alpha = "" if row["alpha"] is None else f" (α={row['alpha']:.2f})"
    return f"{row['psnr']:.2f} / {row['ssim']:.4f}{alpha}"


def _signed(value):
    return "" if value is None else f"{value:+.2f}"


def _json_row(row):
    scores = {_s(s): {k: r[k] for k in ("psnr", "ssim", "alpha")} for s, r in row["scores"].items()}
    return {k: row[k] for k in ("label", "method", "kind", "channels")} | {"scores": scores}


def _json_gaps(gaps):
    return [{**g, "gaps": {_s(s): v for s, v in g["gaps"].items()}} for g in gaps]


def _write_csv(path, records, fields):
    with open(path, "w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=fields, extrasaction="ignore")
        writer.writeheader()
        writer.writerows({k: "" if r[k] is None else r[k] for k in fields} for r in records)
    return path


def _write_text(path, text):
    with open(path, "w") as handle:
        handle.write(text)
    return path


def _figure():
    # A bare Figure renders with the Agg canvas and leaves pyplot's global backend alone.
    from matplotlib.figure import Figure

    figure = Figure(figsize=(6, 4))
    return figure, figure.subplots()


def _save(figure, axis, path):
    axis.grid(True, alpha=0.3)
    axis.legend(fontsize="small")
    figure.tight_layout()
    figure.savefig(path, dpi=100)
    return path


def _s(sigma):
    return f"{sigma:g}"


def _safe(name):
    return re.sub(r"[^A-Za-z0-9._-]+", "_", name)
