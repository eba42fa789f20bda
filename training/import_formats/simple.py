"""The project's own simple JSONL annotation format."""

from __future__ import annotations

from pathlib import Path

from framing.training.import_formats.collect import Collector, ReadResult, jsonl_records, record_label
from framing.training.import_formats.validation import RawSpan

# Keys a simple-format record may carry; anything else is most likely a typo ("span" for "spans").
_SIMPLE_KEYS = frozenset({"id", "text", "spans", "frames", "meta"})
_SIMPLE_SPAN_KEYS = frozenset({"start", "end", "label", "text"})


def read_simple_jsonl(path: str | Path, strict: bool = False) -> ReadResult:
    """The project's own format: {"id", "text", "spans": [{"start", "end", "label"[, "text"]}],
    "frames": [...] or absent/null (= not annotated)[, "meta": {...}]} per line."""
    path = Path(path)
    collector = Collector(str(path), strict)
    for line, record in jsonl_records(path, collector):
        label = record_label(record)
        unknown = sorted(set(record) - _SIMPLE_KEYS)
        missing = [key for key in ("id", "text") if key not in record]
        shape: list[str] = []
        if unknown:
            shape.append(f"unknown keys {unknown} (expected {sorted(_SIMPLE_KEYS)})")
        if missing:
            shape.append(f"missing {' and '.join(repr(key) for key in missing)}")
        raw_spans = record.get("spans", [])
        spans: list[RawSpan] = []
        if not isinstance(raw_spans, list):
            shape.append(f"spans must be a list, got {type(raw_spans).__name__}")
        else:
            for number, item in enumerate(raw_spans, start=1):
                if not isinstance(item, dict) or not {"start", "end", "label"} <= set(item):
                    shape.append(f"span {number}: expected an object with start, end and label, got {item!r}")
                elif set(item) - _SIMPLE_SPAN_KEYS:
                    shape.append(f"span {number}: unknown keys {sorted(set(item) - _SIMPLE_SPAN_KEYS)}")
                else:
                    spans.append(RawSpan(item["start"], item["end"], item["label"], item.get("text")))
        if shape:
            for reason in shape:
                collector.problem(line, f"{label}: {reason}" if label else reason)
            continue
        collector.record(line, label, record["id"], record["text"], spans, record.get("frames"))
    return collector.result("simple")
