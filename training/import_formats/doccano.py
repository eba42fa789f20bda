"""doccano sequence-labelling exports (JSON Lines)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from framing.model.inputs import line_document_id
from framing.training.import_formats.collect import Collector, ReadResult, jsonl_records, record_label
from framing.training.import_formats.validation import RawSpan

DOCCANO_SPAN_KEYS = ("label", "labels", "entities")


def _doccano_spans(entries: Any, number_from: int) -> tuple[list[RawSpan], list[str], list[str]]:
    """Spans, frame labels (plain strings in the list) and shape errors from a doccano label list."""
    spans: list[RawSpan] = []
    frames: list[str] = []
    errors: list[str] = []
    if not isinstance(entries, list):
        return spans, frames, [f"labels must be a list, got {type(entries).__name__}"]
    for number, entry in enumerate(entries, start=number_from):
        if isinstance(entry, str):
            frames.append(entry)  # a text-classification label on the whole document
        elif isinstance(entry, list) and len(entry) == 3:
            spans.append(RawSpan(entry[0], entry[1], entry[2]))
        elif isinstance(entry, dict) and {"start_offset", "end_offset", "label"} <= set(entry):
            spans.append(RawSpan(entry["start_offset"], entry["end_offset"], entry["label"]))
        else:
            errors.append(f"span {number}: expected [start, end, label] or an object with start_offset,"
                          f" end_offset and label, got {entry!r}")
    return spans, frames, errors


def read_doccano_jsonl(path: str | Path, strict: bool = False) -> ReadResult:
    """A doccano sequence-labelling export: {"id", "text" (or "data"), "label": [[start, end, label],
    ...]}; "labels" and "entities" (lists or {start_offset, end_offset, label} objects) are accepted
    too. Frames come from "cats" or from plain-string entries of the label list; a record with
    neither has frames=None. A record without "id" gets "<file stem>-<line>"."""
    path = Path(path)
    collector = Collector(str(path), strict)
    for line, record in jsonl_records(path, collector):
        label = record_label(record)
        errors: list[str] = []
        text = record.get("text", record.get("data"))
        if text is None:
            errors.append("missing 'text'")
        spans: list[RawSpan] = []
        frames: list[str] = []
        has_frames = False
        for key in DOCCANO_SPAN_KEYS:
            if key in record:
                found, found_frames, found_errors = _doccano_spans(record[key], len(spans) + 1)
                spans += found
                frames += found_frames
                errors += found_errors
                has_frames = has_frames or bool(found_frames)
        if "cats" in record:
            has_frames = True
            if isinstance(record["cats"], list):
                frames += record["cats"]
            else:
                errors.append(f"cats must be a list of frame labels, got {type(record['cats']).__name__}")
        if errors:
            for reason in errors:
                collector.problem(line, f"{label}: {reason}" if label else reason)
            continue
        doc_id = record.get("id", line_document_id(path.stem, line))
        collector.record(line, label, doc_id, text, spans, frames if has_frames else None)
    return collector.result("doccano")
