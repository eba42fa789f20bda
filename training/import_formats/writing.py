"""Writing documents in the simple JSONL format, atomically."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

from framing.model.files import atomic_writer
from framing.training.documents import Document
from framing.training.import_formats.validation import RawSpan, validate_document


def document_to_record(document: Document, meta: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """The simple-format record of a document (span text included, so a reader can check it)."""
    record: dict[str, Any] = {
        "id": document.id,
        "text": document.text,
        "spans": [
            {"start": span.start, "end": span.end, "label": span.technique,
             "text": document.text[span.start:span.end]}
            for span in document.spans
        ],
        "frames": None if document.frames is None else list(document.frames),
    }
    if meta:
        record["meta"] = dict(meta)
    return record


def write_records(records: Iterable[Mapping[str, Any]], path: str | Path) -> int:
    """Write JSON Lines atomically (a temporary file renamed into place); '-' is not accepted."""
    count = 0
    with atomic_writer(path, "w", encoding="utf-8", newline="\n") as handle:
        for record in records:
            handle.write(json.dumps(record, ensure_ascii=False) + "\n")
            count += 1
    return count


def write_jsonl(documents: Iterable[Document], path: str | Path) -> int:
    """Write documents in the simple JSONL format; returns how many were written.

    Each document is validated first (ValueError on a bad one), so what is written reads back.
    """

    def records() -> Iterator[dict[str, Any]]:
        seen: set[str] = set()
        for document in documents:
            raw = [RawSpan(s.start, s.end, s.technique) for s in document.spans]
            _, problems = validate_document(document.id, document.text, raw, document.frames)
            reasons = [str(problem) for problem in problems]
            if document.id in seen:
                reasons.append("duplicate id")
            seen.add(document.id)
            if reasons:
                raise ValueError(f"document {document.id!r} cannot be written: {'; '.join(reasons)}")
            yield document_to_record(document)

    return write_records(records(), path)
