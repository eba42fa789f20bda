"""Typed evaluation reports: what `metrics.json` and `report/report.json` hold.

Every module that measures, summarises or prints a model reads and writes these models instead of
nested dicts keyed by strings. `model_dump()` gives exactly the JSON shape the files have always
had, so files written before these models existed (the shipped model's among them) still load.

Counts are `int | float`: a report averaged over several cross-fitting deals keeps a count that is
equal in every deal as the integer it is and turns one that differs into the mean (a float).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
from pydantic import BaseModel, ConfigDict, SerializerFunctionWrapHandler, model_serializer

Count = int | float
# Headline figure name -> [low, high] of its bootstrap interval; figures with no support are absent.
Intervals = dict[str, list[float]]


class _Report(BaseModel):
    """Reports are read back from files written by older versions: extra keys are kept, not refused."""

    model_config = ConfigDict(extra="allow")


class LabelScores(_Report):
    precision: float
    recall: float
    f1: float
    support: Count


class MultilabelScores(_Report):
    """Paragraph techniques or article frames: micro and macro figures, and a row per label."""

    micro_f1: float
    micro_precision: float
    micro_recall: float
    macro_f1: float
    macro_f1_all_labels: float
    labels_with_support: Count
    per_label: dict[str, LabelScores]


class SpanScores(_Report):
    """Partial-overlap span figures (SemEval-2020 task 11)."""

    precision: float
    recall: float
    f1: float
    predicted: Count
    gold: Count


class SpanReport(_Report):
    identification: SpanScores
    technique_micro: SpanScores
    per_technique: dict[str, SpanScores]


class Summary(_Report):
    """The rounded figures a run is compared by (history, registry gate, model card)."""

    paragraph_micro_f1: float
    paragraph_macro_f1: float
    loaded_language_f1: float
    span_f1: float
    span_technique_f1: float
    frame_micro_f1: float
    frame_macro_f1: float


class SystemReport(_Report):
    """One system's figures on one set of articles.

    `fold_assignments` is set only for cross-fitted figures; reports scored with fixed thresholds
    (`framing evaluate`) never had the key, so it is left out of the dump when unset.
    """

    articles: int
    paragraphs: int
    paragraph: MultilabelScores
    spans: SpanReport
    frames: MultilabelScores | None
    frame_articles: Count
    intervals: Intervals | None = None
    fold_assignments: int | None = None

    @model_serializer(mode="wrap")
    def _without_unset_protocol(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        data = handler(self)
        if self.fold_assignments is None:
            data.pop("fold_assignments", None)
        return data

    def summary(self) -> Summary:
        frames = self.frames
        return Summary(
            paragraph_micro_f1=round(self.paragraph.micro_f1, 4),
            paragraph_macro_f1=round(self.paragraph.macro_f1, 4),
            loaded_language_f1=round(self.paragraph.per_label["Loaded_Language"].f1, 4),
            span_f1=round(self.spans.identification.f1, 4),
            span_technique_f1=round(self.spans.technique_micro.f1, 4),
            frame_micro_f1=round(frames.micro_f1 if frames else 0.0, 4),
            frame_macro_f1=round(frames.macro_f1 if frames else 0.0, 4),
        )


class Split(_Report):
    """Which articles a model was trained and judged on, and how the figures were obtained."""

    training_articles: int
    heldout_articles: int
    heldout_ids: list[str]
    seed: int
    protocol: str


class TrainingMetrics(_Report):
    """`metrics.json` of a trained model: `model` is the served system, listed first."""

    split: Split
    served: str
    summary: dict[str, Summary]
    reports: dict[str, SystemReport]

    @classmethod
    def of(cls, split: Split, served: str, reports: dict[str, SystemReport]) -> TrainingMetrics:
        return cls(split=split, served=served, summary={name: r.summary() for name, r in reports.items()},
                   reports=reports)

    @classmethod
    def load(cls, path: Path) -> TrainingMetrics:
        """Written by `ModelFolder.save_metrics(metrics.model_dump())`."""
        return cls.model_validate_json(path.read_text(encoding="utf-8"))


Reports = dict[str, SystemReport]


def reports_json(reports: Reports) -> str:
    """`report.json`: the systems' reports by name."""
    return json.dumps({name: report.model_dump() for name, report in reports.items()}, indent=2) + "\n"


def load_reports(path: Path) -> Reports:
    raw = json.loads(path.read_text(encoding="utf-8"))
    return {name: SystemReport.model_validate(report) for name, report in raw.items()}


def mean_report(reports: Sequence[SystemReport]) -> SystemReport:
    """The element-wise mean of reports of one shape; values equal in all of them are kept as they are."""
    def mean(values: list) -> Any:
        first = values[0]
        if isinstance(first, dict):
            return {key: mean([v[key] for v in values]) for key in first}
        if all(v == first for v in values):
            return first
        return float(np.mean(values))

    return SystemReport.model_validate(mean([r.model_dump() for r in reports]))
