"""Scores Analyses against gold annotations and writes the JSON + Markdown report.

Everything goes through `Analysis` objects, so the neural model, the baseline and the output of a
batch job are measured by exactly the same code.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np

from framing.model.decoding import SPAN_GROWTH, build_analysis
from framing.model.schema import Analysis, ModelInfo
from framing.model.scores import DocumentScores, PreparedText
from framing.model.thresholds import SpanGrowth, Thresholds
from framing.training.calibrate import calibrate
from framing.training.documents import Document
from framing.training.metrics import (
    BOOTSTRAP_SAMPLES,
    HEADLINE,
    HEADLINE_COUNTS,
    bootstrap_intervals,
    frame_metrics,
    gold_paragraph_labels,
    headline_counts,
    paragraph_metrics,
    paragraph_techniques,
    span_metrics,
)
from framing.training.reports import Intervals, Reports, SystemReport, mean_report, reports_json


def predicted_paragraph_labels(text: str, analysis: Analysis) -> list[set[str]]:
    """Techniques of each non-empty line, by the same rule the SemEval paragraph file is written with."""
    return [set(best) for _, best in paragraph_techniques(text, analysis)]


def score_analyses(documents: Sequence[Document], analyses: Sequence[Analysis]) -> SystemReport:
    report, counts = scored_articles(documents, analyses)
    report.intervals = bootstrap_intervals(counts) if len(counts) else None
    return report


def scored_articles(documents: Sequence[Document],
                    analyses: Sequence[Analysis]) -> tuple[SystemReport, np.ndarray]:
    """The report without intervals, and each article's `headline_counts` [articles, 13] to resample."""
    gold_paragraphs, predicted_paragraphs = [], []
    gold_spans, predicted_spans = [], []
    gold_frames, predicted_frames = [], []
    counts = []
    for document, analysis in zip(documents, analyses, strict=True):
        spans = [(s.technique, s.start, s.end) for s in document.spans]
        gold_lines = gold_paragraph_labels(document.text, spans)
        predicted_lines = predicted_paragraph_labels(document.text, analysis)
        gold_paragraphs.extend(gold_lines)
        predicted_paragraphs.extend(predicted_lines)
        gold_spans.append(spans)
        # Sentences marked whole because no span was placed (unit "sentence") are not span
        # predictions: the span figures measure placed words, as they did before those marks existed.
        predicted_spans.append([(s.label, s.start, s.end) for s in analysis.spans if s.unit == "words"])
        frames = [item.label for item in analysis.frames]
        if document.frames is not None:
            gold_frames.append(document.frames)
            predicted_frames.append(frames)
        counts.append(headline_counts(gold_lines, predicted_lines, spans, predicted_spans[-1],
                                      document.frames, frames))
    report = SystemReport(
        articles=len(documents),
        paragraphs=len(gold_paragraphs),
        paragraph=paragraph_metrics(gold_paragraphs, predicted_paragraphs),
        spans=span_metrics(predicted_spans, gold_spans),
        frames=frame_metrics(gold_frames, predicted_frames) if gold_frames else None,
        frame_articles=len(gold_frames),
    )
    return report, np.stack(counts) if counts else np.zeros((0, HEADLINE_COUNTS))


def fold_assignment(n_documents: int, folds: int, seed: int) -> np.ndarray:
    """Fold of each article: a seeded shuffle dealt round-robin, so folds differ in size by at most one."""
    order = np.random.default_rng(seed).permutation(n_documents)
    fold_of = np.empty(n_documents, dtype=np.int64)
    fold_of[order] = np.arange(n_documents) % folds
    return fold_of


def cross_fitted(documents: Sequence[Document], prepared: Sequence[PreparedText],
                 scores: Sequence[DocumentScores], info: ModelInfo, folds: int = 2,
                 seed: int = 0, assignments: int = 1,
                 growth: SpanGrowth = SPAN_GROWTH) -> tuple[SystemReport, Thresholds]:
    """Metrics where no article is judged with thresholds fitted on it, plus thresholds fitted on all.

    Articles are dealt into folds; each fold is decoded with thresholds calibrated on the others.
    Which articles share a fold moves the figures by a point or two on tens of articles, so with
    `assignments` > 1 the deal is repeated (seeds `seed`, `seed + 1`, ...) and every figure is the
    mean over the deals; the intervals then resample articles under all deals at once.
    """
    if assignments < 1:
        raise ValueError(f"assignments must be at least 1, got {assignments}")
    reports, counts = [], []
    for deal in range(assignments):
        fold_of = fold_assignment(len(documents), folds, seed + deal)
        analyses: list[Analysis | None] = [None] * len(documents)
        for fold in range(folds):
            fit = [i for i in range(len(documents)) if fold_of[i] != fold]
            thresholds = calibrate([documents[i] for i in fit], [prepared[i] for i in fit],
                                   [scores[i] for i in fit], span_growth=growth)
            for i in np.flatnonzero(fold_of == fold).tolist():
                analyses[i] = build_analysis(prepared[i], scores[i], thresholds, info, documents[i].id)
        report, article_counts = scored_articles(documents, [a for a in analyses if a is not None])
        reports.append(report)
        counts.append(article_counts)
    report = mean_report(reports)
    report.intervals = bootstrap_intervals(np.stack(counts)) if len(documents) else None
    report.fold_assignments = assignments
    return report, calibrate(documents, prepared, scores, span_growth=growth)


def _row(name: str, report: SystemReport) -> str:
    paragraph, spans, frames = report.paragraph, report.spans, report.frames
    frame_micro, frame_macro = (frames.micro_f1, frames.macro_f1) if frames else (float("nan"), float("nan"))
    return (f"| {name} | {paragraph.micro_f1:.3f} | {paragraph.macro_f1:.3f} "
            f"| {spans.identification.precision:.3f} | {spans.identification.recall:.3f} "
            f"| {spans.identification.f1:.3f} | {spans.technique_micro.f1:.3f} "
            f"| {frame_micro:.3f} | {frame_macro:.3f} |")


def _interval(bounds: list[float] | None) -> str:
    return f"{bounds[0]:.3f}-{bounds[1]:.3f}" if bounds else "n/a"


def _interval_lines(reports: Reports) -> list[str]:
    with_intervals: dict[str, Intervals] = {name: r.intervals for name, r in reports.items() if r.intervals}
    if not with_intervals:
        return []
    lines = ["", f"95% intervals of the headline figures, articles resampled {BOOTSTRAP_SAMPLES:,} times with "
                 "predictions fixed: how much they would move on another draw of articles like these.", "",
             "| system | " + " | ".join(HEADLINE.values()) + " |",
             "| --- |" + " --- |" * len(HEADLINE)]
    for name, intervals in with_intervals.items():
        lines.append(f"| {name} | " + " | ".join(_interval(intervals.get(k)) for k in HEADLINE)
                     + " |")
    return lines


def protocol(assignments: int) -> str:
    """How the held-out figures were obtained, in words, for metrics.json and the reports."""
    return ("2-fold cross-fitted thresholds on the held-out articles"
            + (f", figures averaged over {assignments} random deals of the articles into the folds"
               if assignments > 1 else ""))


def markdown_report(reports: Reports, title: str = "Evaluation") -> str:
    first = next(iter(reports.values()))
    lines = [
        f"# {title}", "",
        f"{first.articles} articles, {first.paragraphs} paragraphs, "
        f"{first.frame_articles} articles with frame labels."
        + (f" Protocol: {protocol(first.fold_assignments)}; each fold is judged with thresholds fitted on "
           "the other." if first.fold_assignments is not None else ""), "",
        "| system | paragraph micro-F1 | paragraph macro-F1 | span P | span R | span F1 "
        "| span F1 (technique) | frame micro-F1 | frame macro-F1 |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    lines += [_row(name, report) for name, report in reports.items()]
    lines += _interval_lines(reports)
    lines += ["", "Macro-F1 averages the labels present in the gold data of this split.", "",
              "## Per technique (paragraph F1 / span F1, gold paragraphs)", "",
              "| technique | " + " | ".join(f"{name} paragraph F1 | {name} span F1" for name in reports)
              + " | gold paragraphs |",
              "| --- | " + " | ".join("--- | ---" for _ in reports) + " | --- |"]
    for technique, stats in first.paragraph.per_label.items():
        cells = []
        for report in reports.values():
            cells.append(f"{report.paragraph.per_label[technique].f1:.3f}")
            cells.append(f"{report.spans.per_technique[technique].f1:.3f}")
        lines.append(f"| {technique} | " + " | ".join(cells) + f" | {stats.support} |")
    if first.frames:
        lines += ["", "## Per frame (article F1)", "",
                  "| frame | " + " | ".join(reports) + " | gold articles |",
                  "| --- | " + " | ".join("---" for _ in reports) + " | --- |"]
        for frame, stats in first.frames.per_label.items():
            cells = [f"{report.frames.per_label[frame].f1:.3f}" if report.frames else "n/a"
                     for report in reports.values()]
            lines.append(f"| {frame} | " + " | ".join(cells) + f" | {stats.support} |")
    return "\n".join(lines) + "\n"


def write_report(reports: Reports, directory: Path, title: str = "Evaluation") -> tuple[Path, Path]:
    directory.mkdir(parents=True, exist_ok=True)
    json_path, markdown_path = directory / "report.json", directory / "report.md"
    json_path.write_text(reports_json(reports), encoding="utf-8")
    markdown_path.write_text(markdown_report(reports, title), encoding="utf-8")
    return json_path, markdown_path
