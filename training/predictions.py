"""Reads saved predictions (the JSONL that `framing batch` writes) back into `Analysis` objects."""

from __future__ import annotations

from pathlib import Path

from pydantic import ValidationError

from model.schema import Analysis
from training.semeval_writer import semeval_article_id


class PredictionsError(ValueError):
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
