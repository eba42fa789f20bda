"""Reads saved predictions back into `Analysis` objects: the JSONL that `framing batch` writes, or
the SemEval-2023 task 3 label files (`framing batch --format semeval`, or another system's)."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from pydantic import ValidationError

from framing.model.errors import FramingError
from framing.model.schema import Analysis, LabelScore, ModelInfo, SentenceAnalysis, Span
from framing.model.segmentation import split_paragraphs
from framing.model.taxonomy import TECHNIQUE_INDEX
from framing.training.documents import Document
from framing.training.semeval_writer import semeval_article_id


class PredictionsError(FramingError, ValueError):
    """A predictions file that cannot be trusted; the message names the file and line."""


def read_predictions_jsonl(path: str | Path, *, semeval_ids: bool = False) -> dict[str, Analysis]:
    """One `Analysis` per line, keyed by its id, in file order.

    `semeval_ids=True` keys them by the SemEval article id instead (`article123` -> `123`), the way
    `training.readers.read_semeval_folder` names gold documents. Blank lines are ignored; a line
    that is not a valid Analysis, one without an id, a repeated id, or an unfinished last line
    (a batch job that was stopped: re-run it to finish) is a `PredictionsError`.
    """
    path = Path(path)
    predictions: dict[str, Analysis] = {}
    try:
        handle = path.open("rb")
    except OSError as error:
        raise PredictionsError(f"{path}: cannot read predictions ({error.strerror})") from error
    with handle:
        for line_number, raw in enumerate(handle, start=1):
            if not raw.strip():
                continue
            where = f"{path}:{line_number}"
            if not raw.endswith(b"\n"):
                raise PredictionsError(f"{where}: unfinished last line (re-run the batch job to complete it)")
            try:
                analysis = Analysis.model_validate_json(raw)
            except ValidationError as error:
                first = error.errors()[0]
                location = ".".join(str(part) for part in first.get("loc", ()))
                raise PredictionsError(f"{where}: not an Analysis ({location}: {first['msg']})") from error
            if not analysis.id:
                raise PredictionsError(f"{where}: prediction has no id")
            key = semeval_article_id(analysis.id) if semeval_ids else analysis.id
            if key in predictions:
                raise PredictionsError(f"{where}: id {key!r} appears more than once")
            predictions[key] = analysis
    return predictions


def read_semeval_predictions(folder: str | Path, documents: Iterable[Document]) -> dict[str, Analysis]:
    """Predictions in the SemEval-2023 task 3 files (`framing batch --format semeval`, or any system's).

    The files carry no text, so the gold `documents` supply it: span texts and the line offsets of
    the paragraph labels come from there. Ids are the task's bare article ids.
    """
    folder = Path(folder)
    texts = {d.id: d.text for d in documents}
    spans_dirs = sorted(folder.glob("*-labels-subtask-3-spans"))
    paragraph_files = sorted(folder.glob("*-labels-subtask-3.txt"))
    frame_files = sorted(folder.glob("*-labels-subtask-2.txt"))
    if not spans_dirs and not paragraph_files:
        raise PredictionsError(f"{folder}: no '*-labels-subtask-3-spans' folder or '*-labels-subtask-3.txt' file")
    spans: dict[str, list[Span]] = {key: [] for key in texts}
    lines: dict[str, dict[int, list[str]]] = {key: {} for key in texts}
    frames: dict[str, list[str]] = {}

    def rows(path: Path):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            if line.strip():
                fields = line.split("\t")
                if fields[0] not in texts:
                    raise PredictionsError(f"{path}:{number}: article {fields[0]!r} is not in the annotated data")
                yield number, fields

    for spans_dir in spans_dirs:
        for path in sorted(spans_dir.glob("*.txt")):
            for number, fields in rows(path):
                if len(fields) != 4 or fields[1] not in TECHNIQUE_INDEX:
                    raise PredictionsError(f"{path}:{number}: expected id, known technique, start, end")
                start, end = int(fields[2]), int(fields[3])
                text = texts[fields[0]]
                if not 0 <= start < end <= len(text):
                    raise PredictionsError(f"{path}:{number}: span {start}-{end} outside the text")
                spans[fields[0]].append(Span(start=start, end=end, text=text[start:end], label=fields[1],
                                             score=1.0, sentence=0))
    for path in paragraph_files:
        for _, fields in rows(path):
            labels = [label for label in (fields[2] if len(fields) > 2 else "").split(",") if label]
            lines[fields[0]][int(fields[1]) - 1] = labels
    for path in frame_files:
        for _, fields in rows(path):
            frames[fields[0]] = [label for label in (fields[1] if len(fields) > 1 else "").split(",") if label]

    analyses = {}
    info = ModelInfo(name="semeval-files", version=str(folder))
    for key, text in texts.items():
        paragraphs = {p.index: p for p in split_paragraphs(text)}
        sentences = [
            SentenceAnalysis(index=i, start=paragraphs[line].start, end=paragraphs[line].end,
                             techniques=[LabelScore(label=label, score=1.0) for label in labels])
            for i, (line, labels) in enumerate(sorted(lines[key].items())) if line in paragraphs
        ]
        analyses[key] = Analysis(id=key, model=info, sentences=sentences, spans=spans[key],
                                 frames=[LabelScore(label=f, score=1.0) for f in frames.get(key, [])])
    return analyses
