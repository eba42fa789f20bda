"""Turning a file's records into documents and problems: the part every reader shares."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from framing.model.inputs import read_json_lines
from framing.training.documents import AnnotationError, Document
from framing.training.import_formats.validation import RawSpan, validate_document


@dataclass
class ReadResult:
    documents: list[Document]
    problems: list[AnnotationError]
    format: str = ""


class Collector:
    """Turns reasons into AnnotationErrors, raising at once in strict mode; tracks seen ids."""

    def __init__(self, source: str, strict: bool) -> None:
        self.source = source
        self.strict = strict
        self.documents: list[Document] = []
        self.problems: list[AnnotationError] = []
        self._first_line: dict[str, int | None] = {}

    def problem(self, line: int | None, reason: str) -> None:
        error = AnnotationError(self.source, line, reason)
        if self.strict:
            raise error
        self.problems.append(error)

    def record(self, line: int | None, label: str, doc_id: Any, text: Any,
               spans: Iterable[RawSpan], frames: Any) -> None:
        document, problems = validate_document(doc_id, text, spans, frames,
                                               source=f"{self.source}:{line}" if line else self.source)
        reasons = [str(problem) for problem in problems]
        if document is not None and document.id in self._first_line:
            first = self._first_line[document.id]
            reasons = [f"duplicate id {document.id!r} (first used on line {first})"]
            document = None
        prefix = f"{label}: " if label else ""
        for reason in reasons:
            self.problem(line, prefix + reason)
        if document is not None:
            self._first_line[document.id] = line
            self.documents.append(document)

    def result(self, fmt: str) -> ReadResult:
        return ReadResult(self.documents, self.problems, fmt)


def jsonl_records(path: Path, collector: Collector) -> Iterator[tuple[int, dict]]:
    """(line number, object) for each non-blank line; bad lines are reported and skipped."""
    with path.open("rb") as handle:
        for line in read_json_lines(handle):
            if line.error is not None:
                collector.problem(line.number, line.error.message)
            elif line.value is not None:
                yield line.number, line.value


def record_label(record: dict) -> str:
    doc_id = record.get("id")
    return f"record {doc_id!r}" if isinstance(doc_id, (str, int)) and not isinstance(doc_id, bool) else ""


def json_array_items(text: str, source: str, what: str) -> Iterator[tuple[int, Any]]:
    """(line where it starts, value) for each element of a top-level JSON array of `what`, so a
    reader can name the line of a bad record; malformed JSON raises AnnotationError with its line."""
    decoder = json.JSONDecoder()
    position, line, counted = 0, 1, 0

    def skip(at: int) -> int:
        while at < len(text) and text[at] in " \t\r\n":
            at += 1
        return at

    def line_at(at: int) -> int:
        nonlocal line, counted
        line += text.count("\n", counted, at)
        counted = at
        return line

    position = skip(position)
    if position >= len(text) or text[position] != "[":
        raise AnnotationError(source, 1, f"expected a JSON array of {what}")
    position = skip(position + 1)
    if position < len(text) and text[position] == "]":
        return
    while True:
        try:
            value, end = decoder.raw_decode(text, position)
        except json.JSONDecodeError as error:
            raise AnnotationError(source, error.lineno, f"not valid JSON ({error.msg})") from error
        yield line_at(position), value
        position = skip(end)
        if position < len(text) and text[position] == ",":
            position = skip(position + 1)
        elif position < len(text) and text[position] == "]":
            if skip(position + 1) != len(text):
                raise AnnotationError(source, line_at(position + 1), "extra data after the JSON array")
            return
        else:
            raise AnnotationError(source, line_at(min(position, len(text))),
                                  "not valid JSON (expected ',' or ']' after an element)")
