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
from pydantic import BaseModel, ConfigDict, Field, SerializerFunctionWrapHandler, model_serializer

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


class FoldFigures(_Report):
    """One system's headline figures under k-fold cross-validation: each fold's, their mean and
    their spread (sample standard deviation over the folds)."""

    folds: list[Summary]
    mean: Summary
    spread: Summary


class CrossValidation(_Report):
    """How a cross-validated model's figures were obtained (`framing crossval`).

    Every article outside the gate set is scored by the fold model that did not train on it, and
    each fold is judged with thresholds fitted on the other folds' out-of-fold scores. `gate`
    holds the final model's figures on the gate set, which no model of the run trained on.
    """

    k: int
    seed: int
    fold_articles: list[int]
    gate_articles: int
    systems: dict[str, FoldFigures]
    gate: dict[str, Summary] | None = None
    folds_used: list[int] | None = Field(
        None, description="the folds (from 1) whose out-of-fold scores gave the thresholds and figures, when "
                          "not all k: a run whose other fold models were lost; None: all of them")


class TrainingMetrics(_Report):
    """`metrics.json` of a trained model: `model` is the served system, listed first.

    `cross_validation` is set only for a model of `framing crossval`; files of `framing train`
    never had the key, so it is left out of the dump when unset.
    """

    split: Split
    served: str
    summary: dict[str, Summary]
    reports: dict[str, SystemReport]
    cross_validation: CrossValidation | None = None

    @model_serializer(mode="wrap")
    def _without_unset_cross_validation(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        data = handler(self)
        if self.cross_validation is None:
            data.pop("cross_validation", None)
        return data

    @classmethod
    def of(cls, split: Split, served: str, reports: dict[str, SystemReport],
           cross_validation: CrossValidation | None = None) -> TrainingMetrics:
        return cls(split=split, served=served, summary={name: r.summary() for name, r in reports.items()},
                   reports=reports, cross_validation=cross_validation)

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
