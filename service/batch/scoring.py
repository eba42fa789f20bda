"""Scoring a batch of tasks into output lines: the same function runs in-process and in workers."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from framing.model.errors import FramingError
from framing.service.batch.options import BatchError
from framing.service.batch.semeval_output import SemevalPayload, semeval_payload

if TYPE_CHECKING:
    from framing.model.analyzer import Analyzer


@dataclass
class Task:
    id: str
    source: str
    text: str
    article_id: str | None = None  # set when SemEval files are written
    metadata: dict[str, Any] | None = None  # the input record's other fields, copied to the output line


@dataclass
class Outcome:
    id: str
    source: str
    line: bytes | None = None
    semeval: SemevalPayload | None = None
    error: str | None = None


def open_analyzer(model: Path | str | None, threads: int) -> Analyzer:
    """The model a batch job scores with; the one place batch turns `--model` into an Analyzer."""
    from framing.model.analyzer import Analyzer

    return Analyzer.load(model, threads=threads)


def check_sensitivity(analyzer: Analyzer, sensitivity: str) -> None:
    """Refuse the whole job up front when the model lacks the operating point asked for."""
    if sensitivity not in analyzer.operating_points:
        raise BatchError(f"--sensitivity {sensitivity}: the model serves {', '.join(analyzer.operating_points)} "
                         f"only; it was calibrated without {sensitivity!r} thresholds")


def metadata_json(metadata: dict[str, Any]) -> bytes:
    """The `"metadata"` value of a batch line: compact like the Analysis JSON before it.

    Values that JSON has no type for (a Parquet date) are written as their text. A lone surrogate
    (JSON input may escape one) is kept escaped, so the line stays valid UTF-8.
    """
    try:
        return json.dumps(metadata, ensure_ascii=False, separators=(",", ":"), default=str).encode("utf-8")
    except UnicodeEncodeError:
        return json.dumps(metadata, separators=(",", ":"), default=str).encode("utf-8")


def batch_line(analysis_json: bytes, metadata: dict[str, Any] | None) -> bytes:
    """One output line: the Analysis JSON, plus a top-level `"metadata"` object when the input
    record had fields other than id and text. The Analysis schema itself (and the API) has no such
    field: it is a property of the batch line only."""
    if not metadata:
        return analysis_json + b"\n"
    assert analysis_json.endswith(b"}")
    return analysis_json[:-1] + b',"metadata":' + metadata_json(metadata) + b"}\n"


def score_tasks(analyzer: Analyzer, tasks: list[Task], sensitivity: str = "precise") -> list[Outcome]:
    """Score a batch in one pass (each document alone if the batch fails, to find the culprit)."""
    results = analyzer.analyze_each([t.text for t in tasks], [t.id for t in tasks], sensitivity)
    outcomes = []
    for task, result in zip(tasks, results, strict=True):
        if isinstance(result, Exception):
            outcomes.append(Outcome(task.id, task.source,
                                    error=f"analysis failed: {type(result).__name__}: {result}"))
            continue
        line = batch_line(result.model_dump_json().encode("utf-8"), task.metadata)
        payload = semeval_payload(task.article_id, result, task.text) if task.article_id is not None else None
        outcomes.append(Outcome(task.id, task.source, line=line, semeval=payload))
    return outcomes


class InProcessScorer:
    """Scores in this process, with the caller's analyzer or one loaded here."""

    def __init__(self, model_dir: Path | None, threads: int, analyzer: Analyzer | None = None,
                 sensitivity: str = "precise") -> None:
        self.sensitivity = sensitivity
        if analyzer is not None:
            self.analyzer = analyzer
        else:
            try:
                self.analyzer = open_analyzer(model_dir, threads)
            except (FramingError, OSError, ValueError) as error:
                raise BatchError(f"cannot load the model: {error}") from error
        check_sensitivity(self.analyzer, sensitivity)

    def submit(self, tasks: list[Task]) -> list[Outcome]:
        return score_tasks(self.analyzer, tasks, self.sensitivity)

    def close(self, interrupted: bool = False) -> None:
        pass
