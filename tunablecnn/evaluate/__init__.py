"""Evaluation: score denoisers and baselines on a folder of clean images; `python -m tunablecnn.evaluate`.

`methods` turns models and baselines into `Method`s, `datasets` reads the clean images (and
records what it skipped or converted), `run` scores every method on every image and sigma and
summarizes, `report` writes the CSV, JSON, markdown and plots, `score_cache` keeps slow baseline
scores between runs, and `sweep` draws one image restored at several alphas.
"""

from tunablecnn.evaluate.datasets import Dataset, dataset_notes, dataset_record, load_dataset, read_dataset
from tunablecnn.evaluate.methods import (
    BASELINES,
    DEFAULT_ALPHAS,
    NLM_H_COLOR,
    NLM_H_GRAY,
    EvaluationError,
    Method,
    baseline_methods,
    bm3d_denoise,
    model_method,
    model_methods,
    nlm_denoise,
)
from tunablecnn.evaluate.report import markdown_report, write_report
from tunablecnn.evaluate.run import best_alphas, evaluate, model_metrics, psnr_gaps, report_rows, summarize
from tunablecnn.evaluate.score_cache import ScoreCache
from tunablecnn.evaluate.sweep import sweep_grid

__all__ = [
    "BASELINES",
    "DEFAULT_ALPHAS",
    "NLM_H_COLOR",
    "NLM_H_GRAY",
    "Dataset",
    "EvaluationError",
    "Method",
    "ScoreCache",
    "baseline_methods",
    "best_alphas",
    "bm3d_denoise",
    "dataset_notes",
    "dataset_record",
    "evaluate",
    "load_dataset",
    "markdown_report",
    "model_method",
    "model_methods",
    "model_metrics",
    "nlm_denoise",
    "psnr_gaps",
    "read_dataset",
    "report_rows",
    "summarize",
    "sweep_grid",
    "write_report",
]
