"""Figures under k-fold cross-validation, from every article's out-of-fold scores.

Each article was scored by the fold model that never trained on it. Thresholds are then fitted
the same way: fold f is decoded with thresholds calibrated on the out-of-fold scores of the
other folds only, so no figure is measured with thresholds fitted on the articles it scores. The
served thresholds are fitted on all out-of-fold scores. A figure is the mean over the folds,
reported with its spread, as issue 14 asks; the intervals resample all out-of-fold articles.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from framing.model.decoding import SPAN_GROWTH, build_analysis
from framing.model.schema import ModelInfo
from framing.model.scores import DocumentScores, PreparedText
from framing.model.thresholds import SpanGrowth, Thresholds
from framing.training.calibrate import calibrate
from framing.training.documents import Document
from framing.training.evaluate import scored_articles
from framing.training.metrics import bootstrap_intervals
from framing.training.reports import FoldFigures, Summary, SystemReport, mean_report


def _fold_mean(reports: Sequence[SystemReport]) -> SystemReport:
    """The mean of the folds' figures; article and paragraph counts are the totals over the folds."""
    totals = {"articles": sum(r.articles for r in reports), "paragraphs": sum(r.paragraphs for r in reports),
              "frame_articles": sum(r.frame_articles for r in reports)}
    return mean_report([r.model_copy(update=totals) for r in reports])


def _spread(summaries: Sequence[Summary]) -> Summary:
    """Sample standard deviation over the folds of each headline figure."""
    rows = [s.model_dump() for s in summaries]
    ddof = 1 if len(rows) > 1 else 0
    return Summary(**{key: round(float(np.std([row[key] for row in rows], ddof=ddof)), 4) for key in rows[0]})


def cross_validated(documents: Sequence[Document], prepared: Sequence[PreparedText],
                    scores: Sequence[DocumentScores], fold_of: Sequence[int], info: ModelInfo,
                    growth: SpanGrowth = SPAN_GROWTH,
                    fold_scores: Callable[[int], Sequence[DocumentScores]] | None = None
                    ) -> tuple[SystemReport, FoldFigures, Thresholds]:
    """One system's fold-mean report (with pooled intervals), its per-fold figures, and the
    thresholds fitted on all out-of-fold scores (the ones a model serves), spans grown by `growth`.
    `fold_scores(f)` gives the scores fold f is judged with, when they depend on the judged fold
    (a stack fitted without it: training.sentence_stack); `scores` are the served ones."""
    folds = sorted(set(fold_of))
    if len(folds) < 2:
        raise ValueError(f"cross-validation needs at least 2 folds, got {len(folds)}")
    reports, counts = [], []
    for fold in folds:
        judged = scores if fold_scores is None else fold_scores(fold)
        fit = [i for i, f in enumerate(fold_of) if f != fold]
        measured = [i for i, f in enumerate(fold_of) if f == fold]
        thresholds = calibrate([documents[i] for i in fit], [prepared[i] for i in fit], [judged[i] for i in fit],
                               span_growth=growth)
        analyses = [build_analysis(prepared[i], judged[i], thresholds, info, documents[i].id) for i in measured]
        report, article_counts = scored_articles([documents[i] for i in measured], analyses)
        reports.append(report)
        counts.append(article_counts)
    mean = _fold_mean(reports)
    mean.intervals = bootstrap_intervals(np.concatenate(counts))
    summaries = [r.summary() for r in reports]
    figures = FoldFigures(folds=summaries, mean=mean.summary(), spread=_spread(summaries))
    return mean, figures, calibrate(documents, prepared, scores, span_growth=growth)


def protocol_text(k: int, seed: int, n_articles: int, gate: int, used: Sequence[int] | None = None,
                  scored: int | None = None) -> str:
    """How a cross-validated model's figures were obtained, in words, for metrics.json and reports;
    `used` (folds from 1) and `scored` (their articles) when only some folds' scores were used."""
    gate_part = (f"; {gate} gate articles set aside from every fold and from the final model" if gate else "")
    partial = ""
    if used is not None:
        partial = (f"; only the out-of-fold scores of folds {', '.join(map(str, used))} ({scored} articles) "
                   f"were used, the other fold models having been lost, so the figures and thresholds come "
                   f"from those folds alone")
    return (f"{k}-fold cross-validation over {n_articles} articles (seed {seed}){gate_part}{partial}: each article "
            "scored by the fold model that did not train on it, each fold judged with thresholds fitted on the "
            "other folds' out-of-fold scores; figures are the mean over the folds ± their standard "
            "deviation; the served model is trained on all of them with thresholds fitted on all "
            "out-of-fold scores")


def spread_table(systems: dict[str, FoldFigures], numbers: Sequence[int] | None = None) -> str:
    """Markdown: mean +- spread of each headline figure, one row per system, then each fold (numbered
    from 1, or by `numbers` when only some folds were used)."""
    keys = list(Summary.model_fields)
    lines = ["| system | " + " | ".join(keys) + " |", "| --- |" + " --- |" * len(keys)]
    for name, figures in systems.items():
        mean, spread = figures.mean.model_dump(), figures.spread.model_dump()
        lines.append(f"| {name} | " + " | ".join(f"{mean[k]:.3f} ± {spread[k]:.3f}" for k in keys) + " |")
    for name, figures in systems.items():
        for number, fold in zip(numbers or range(1, len(figures.folds) + 1), figures.folds, strict=True):
            values = fold.model_dump()
            lines.append(f"| {name}, fold {number} | " + " | ".join(f"{values[k]:.3f}" for k in keys) + " |")
    return "\n".join(lines)


def summary_table(summaries: dict[str, Summary]) -> str:
    """Markdown: the headline figures of each system, one row each."""
    keys = list(Summary.model_fields)
    lines = ["| system | " + " | ".join(keys) + " |", "| --- |" + " --- |" * len(keys)]
    for name, summary in summaries.items():
        values = summary.model_dump()
        lines.append(f"| {name} | " + " | ".join(f"{values[k]:.3f}" for k in keys) + " |")
    return "\n".join(lines)
