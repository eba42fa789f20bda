"""Readers for annotation-tool exports and the project's simple JSONL, validating every record.

`read_annotations(path)` picks the reader from what the path holds:

- a folder: the SemEval-2023 task 3 layout (`training.readers.read_semeval_folder`);
- a file starting with `[`: a Label Studio JSON export (a list of tasks);
- a file starting with `{`: JSON Lines, either the simple format (records with `spans`/`frames`)
  or a doccano export (records with `label`, `labels` or `entities`).

Record-level problems (a bad offset, an unknown label, span text that does not match, a duplicate
id, a line that is not JSON, ...) drop that record and are returned as `AnnotationError`s naming the
file and line, so one bad record does not sink a whole export; `strict=True` raises the first one
instead. Problems with the file as a whole (missing, empty, not a format we know) always raise, and
so does anything the SemEval folder reader finds, since that reader stops at its first error.

Every format goes through `validate_document`, which the feedback store uses too: there is one set
of rules for what an annotated document may look like. data/FORMATS.md documents the formats.
"""

from __future__ import annotations

import difflib
import json
import os
import tempfile
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from framing.model.taxonomy import FRAME_INDEX, FRAMES, TECHNIQUE_INDEX, TECHNIQUES
from framing.training.documents import AnnotationError, Document, GoldSpan, Problem
from framing.training.readers import read_semeval_folder

FORMATS = ("semeval", "labelstudio", "doccano", "simple")

# Keys a simple-format record may carry; anything else is most likely a typo ("span" for "spans").
_SIMPLE_KEYS = frozenset({"id", "text", "spans", "frames", "meta"})
_SIMPLE_SPAN_KEYS = frozenset({"start", "end", "label", "text"})
_DOCCANO_SPAN_KEYS = ("label", "labels", "entities")


@dataclass
class ReadResult:
    documents: list[Document]
    problems: list[AnnotationError]
    format: str = ""


@dataclass(frozen=True)
class RawSpan:
    """A span as a file states it, before validation: values may be of any type."""

    start: Any
    end: Any
    label: Any
    text: Any = None  # the highlighted text, where the format gives it


# ---------------------------------------------------------------------------------------------
# Validation shared by every reader and the feedback store


def _suggest(value: str, known: Iterable[str]) -> str:
    by_folded = {name.casefold().replace("_", " ").replace("-", " "): name for name in known}
    folded = value.casefold().replace("_", " ").replace("-", " ")
    if folded in by_folded:
        return f" (did you mean {by_folded[folded]!r}?)"
    close = difflib.get_close_matches(folded, list(by_folded), n=1, cutoff=0.75)
    return f" (did you mean {by_folded[close[0]]!r}?)" if close else ""


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def validate_id(value: Any) -> tuple[str | None, str | None]:
    """The id as a string, or a reason it cannot be one. Integers are accepted (tools number tasks)."""
    if _is_int(value):
        return str(value), None
    if not isinstance(value, str) or not value.strip():
        return None, f"id must be a non-empty string, got {value!r}"
    if value != value.strip() or any(ch in value for ch in "\t\n\r"):
        # Ids end up in tab-separated SemEval label files and in file names.
        return None, f"id {value!r} has leading/trailing whitespace, a tab or a newline"
    return value, None


def validate_document(
    doc_id: Any, text: Any, spans: Iterable[RawSpan], frames: Any, source: str = ""
) -> tuple[Document | None, list[Problem]]:
    """Check one annotated document; return it, or None and every problem that makes it unacceptable.

    Rules: a non-empty string id and a text that is not blank; each span has integer offsets with
    0 <= start < end <= len(text), one of the 23 technique labels, and, where given, a text equal to
    `text[start:end]`; frames are None (not annotated) or a list of the 14 frame labels. Duplicate
    spans and frames are merged; spans are sorted by (start, end, label).
    """
    problems: list[Problem] = []
    identifier, reason = validate_id(doc_id)
    if reason:
        problems.append(Problem("id", reason))
    if not isinstance(text, str):
        problems.append(Problem("text", f"text must be a string, got {type(text).__name__}"))
        text = None
    elif not text.strip():
        problems.append(Problem("text", "text is empty"))

    gold: set[GoldSpan] = set()
    for index, span in enumerate(spans):
        label_ok = isinstance(span.label, str) and span.label in TECHNIQUE_INDEX
        if not label_ok:
            hint = _suggest(span.label, TECHNIQUES) if isinstance(span.label, str) else ""
            problems.append(Problem.span(index, f"unknown technique {span.label!r}{hint}"))
        if not (_is_int(span.start) and _is_int(span.end)):
            problems.append(Problem.span(index, f"start and end must be integers, got {span.start!r}, {span.end!r}"))
            continue
        if span.start >= span.end:
            problems.append(Problem.span(index, f"start {span.start} is not before end {span.end}"))
            continue
        if text is None:
            continue
        if span.start < 0 or span.end > len(text):
            problems.append(Problem.span(index, f"{span.start}-{span.end} lies outside the text (length {len(text)})"))
            continue
        if span.text is not None and span.text != text[span.start:span.end]:
            problems.append(Problem.span(
                index, f"text {span.text!r} does not match text[{span.start}:{span.end}]"
                f" = {text[span.start:span.end]!r}"
            ))
            continue
        if label_ok:
            gold.add(GoldSpan(span.label, span.start, span.end))

    frame_list: list[str] | None = None
    if frames is not None:
        if not isinstance(frames, list):
            problems.append(Problem("frames",
                                    f"frames must be a list of frame labels or null, got {type(frames).__name__}"))
        else:
            frame_list = []
            for frame in frames:
                if not isinstance(frame, str) or frame not in FRAME_INDEX:
                    hint = _suggest(frame, FRAMES) if isinstance(frame, str) else ""
                    problems.append(Problem("frames", f"unknown frame {frame!r}{hint}"))
                elif frame not in frame_list:
                    frame_list.append(frame)

    if problems:
        return None, problems
    assert identifier is not None and isinstance(text, str)
    ordered = sorted(gold, key=lambda s: (s.start, s.end, s.technique))
    return Document(id=identifier, text=text, spans=ordered, frames=frame_list, source=source), []


# ---------------------------------------------------------------------------------------------
# Collecting problems


class _Collector:
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


# ---------------------------------------------------------------------------------------------
# JSON Lines: the simple format and doccano


def _jsonl_records(path: Path, collector: _Collector) -> Iterator[tuple[int, dict]]:
    """(line number, object) for each non-blank line; bad lines are reported and skipped.

    Splits on b"\\n" only: str.splitlines would also split on U+2028 and friends, which JSON allows
    raw inside strings.
    """
    with path.open("rb") as handle:
        for number, raw in enumerate(handle, start=1):
            if number == 1 and raw.startswith(b"\xef\xbb\xbf"):
                raw = raw[3:]
            if not raw.strip():
                continue
            try:
                line = raw.decode("utf-8")
            except UnicodeDecodeError as error:
                collector.problem(number, f"not valid UTF-8 ({error.reason})")
                continue
            try:
                record = json.loads(line)
            except json.JSONDecodeError as error:
                collector.problem(number, f"not valid JSON ({error.msg} at column {error.colno})")
                continue
            if not isinstance(record, dict):
                collector.problem(number, f"expected a JSON object, got {type(record).__name__}")
                continue
            yield number, record


def _record_label(record: dict) -> str:
    doc_id = record.get("id")
    return f"record {doc_id!r}" if isinstance(doc_id, (str, int)) and not isinstance(doc_id, bool) else ""


def read_simple_jsonl(path: str | Path, strict: bool = False) -> ReadResult:
    """The project's own format: {"id", "text", "spans": [{"start", "end", "label"[, "text"]}],
    "frames": [...] or absent/null (= not annotated)[, "meta": {...}]} per line."""
    path = Path(path)
    collector = _Collector(str(path), strict)
    for line, record in _jsonl_records(path, collector):
        label = _record_label(record)
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
    collector = _Collector(str(path), strict)
    for line, record in _jsonl_records(path, collector):
        label = _record_label(record)
        errors: list[str] = []
        text = record.get("text", record.get("data"))
        if text is None:
            errors.append("missing 'text'")
        spans: list[RawSpan] = []
        frames: list[str] = []
        has_frames = False
        for key in _DOCCANO_SPAN_KEYS:
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
        doc_id = record.get("id", f"{path.stem}-{line}")
        collector.record(line, label, doc_id, text, spans, frames if has_frames else None)
    return collector.result("doccano")


# ---------------------------------------------------------------------------------------------
# Label Studio


def _json_array_items(text: str, source: str) -> Iterator[tuple[int, Any]]:
    """(line where it starts, value) for each element of a top-level JSON array."""
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
        raise AnnotationError(source, 1, "expected a JSON array of Label Studio tasks")
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
                                  "not valid JSON (expected ',' or ']' after a task)")


def _utf16_to_index(text: str) -> Callable[[int], int | None]:
    """Maps a UTF-16 code-unit offset (what JavaScript tools count) to a Python str index."""
    mapping: dict[int, int] = {}
    units = 0
    for index, char in enumerate(text):
        mapping[units] = index
        units += 2 if ord(char) > 0xFFFF else 1
    mapping[units] = len(text)
    return mapping.get


def _labelstudio_span(value: dict, text: Any, to_index: Callable[[int], int | None] | None) -> list[RawSpan]:
    start, end, span_text = value.get("start"), value.get("end"), value.get("text")
    labels = value.get("labels")
    if not isinstance(labels, list) or not labels:
        labels = [labels]  # reported as an unknown technique by validate_document
    if (to_index is not None and isinstance(text, str) and isinstance(span_text, str)
            and _is_int(start) and _is_int(end) and text[start:end] != span_text):
        # Label Studio's editor counts offsets in UTF-16 code units; outside the Basic Multilingual
        # Plane (emoji, some CJK) those differ from Python's. Convert only when the given span
        # text proves the converted offsets right.
        converted = to_index(start), to_index(end)
        if None not in converted and text[converted[0]:converted[1]] == span_text:
            start, end = converted
    return [RawSpan(start, end, label, span_text) for label in labels]


def _pick_annotation(annotations: list) -> dict | None:
    """The ground-truth annotation if one is marked, else the first that was not cancelled."""
    usable = [a for a in annotations if isinstance(a, dict) and not a.get("was_cancelled")]
    for annotation in usable:
        if annotation.get("ground_truth"):
            return annotation
    return usable[0] if usable else None


def read_labelstudio_json(path: str | Path, strict: bool = False) -> ReadResult:
    """A Label Studio JSON export: a list of tasks {"id", "data": {"text"[, "id"]}, "annotations":
    [{"result": [...]}]}. Results of type "labels" are spans (value.start/end/text/labels); results
    of type "choices" are frames when their control's name contains "frame" or every choice is a
    frame label (other choice controls are ignored); no frame choice means frames=None. Per task,
    the annotation marked ground_truth is used, else the first one not cancelled; predictions are
    ignored. The document id is data.id if present, else the task id."""
    path = Path(path)
    source = str(path)
    collector = _Collector(source, strict)
    try:
        content = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as error:
        raise AnnotationError(source, None, f"not valid UTF-8 ({error.reason})") from error
    for number, (line, task) in enumerate(_json_array_items(content, source), start=1):
        if not isinstance(task, dict):
            collector.problem(line, f"task {number}: expected an object, got {type(task).__name__}")
            continue
        data = task.get("data")
        task_id = data.get("id", task.get("id")) if isinstance(data, dict) else task.get("id")
        label = f"task {number} (id {task_id!r})" if task_id is not None else f"task {number}"
        if not isinstance(data, dict) or "text" not in data:
            keys = sorted(data) if isinstance(data, dict) else []
            collector.problem(line, f"{label}: data has no 'text' field (keys: {keys})")
            continue
        if task_id is None:
            collector.problem(line, f"{label}: no task id and no data.id")
            continue
        annotations = task.get("annotations", [])
        annotation = _pick_annotation(annotations) if isinstance(annotations, list) else None
        if annotation is None:
            collector.problem(line, f"{label}: no completed annotation (export annotated tasks only)")
            continue
        results = annotation.get("result", [])
        if not isinstance(results, list):
            collector.problem(line, f"{label}: annotation result must be a list")
            continue
        text = data["text"]
        to_index = _utf16_to_index(text) if isinstance(text, str) and any(
            ord(char) > 0xFFFF for char in text) else None
        spans: list[RawSpan] = []
        frames: list | None = None
        errors: list[str] = []
        for item in results:
            if not isinstance(item, dict) or not isinstance(item.get("value"), dict):
                errors.append(f"result {item!r} has no value object")
                continue
            kind, value = item.get("type"), item["value"]
            if kind == "labels":
                spans += _labelstudio_span(value, text, to_index)
            elif kind == "choices":
                choices = value.get("choices")
                if not isinstance(choices, list):
                    errors.append(f"choices result {item.get('id', '')!r} has no list of choices")
                    continue
                named_frames = "frame" in str(item.get("from_name", "")).casefold()
                if named_frames or (choices and all(choice in FRAME_INDEX for choice in choices)):
                    frames = (frames or []) + choices
        for reason in errors:
            collector.problem(line, f"{label}: {reason}")
        if not errors:
            collector.record(line, label, task_id, text, spans, frames)
    return collector.result("labelstudio")


# ---------------------------------------------------------------------------------------------
# Detection and the one entry point


def detect_format(path: str | Path) -> str:
    """One of FORMATS, from the path's kind and its first record. Raises AnnotationError if unsure."""
    path = Path(path)
    if path.is_dir():
        return "semeval"
    if not path.is_file():
        raise AnnotationError(str(path), None, "no such file or folder")
    with path.open("rb") as handle:
        head = handle.read(1 << 16)
    stripped = head.removeprefix(b"\xef\xbb\xbf").lstrip()
    if not stripped:
        raise AnnotationError(str(path), None, "file is empty")
    if stripped.startswith(b"["):
        return "labelstudio"
    if not stripped.startswith(b"{"):
        raise AnnotationError(str(path), None, "not an annotation file: expected a JSON array (Label Studio)"
                              " or JSON Lines (simple format, doccano)")
    with path.open("rb") as handle:
        for raw in handle:
            try:
                record = json.loads(raw)
            except (json.JSONDecodeError, UnicodeDecodeError):
                continue
            if not isinstance(record, dict):
                continue
            if "spans" in record or "frames" in record:
                return "simple"
            if any(key in record for key in (*_DOCCANO_SPAN_KEYS, "cats", "data")):
                return "doccano"
    return "simple"


READERS: dict[str, Callable[[str | Path, bool], ReadResult]] = {
    "labelstudio": read_labelstudio_json,
    "doccano": read_doccano_jsonl,
    "simple": read_simple_jsonl,
}


def read_annotations(path: str | Path, strict: bool = False, format: str | None = None) -> ReadResult:
    """Annotated documents from a SemEval folder, a Label Studio export, a doccano export or the
    simple JSONL format, with every bad record listed in `problems` (or raised, if strict)."""
    fmt = format or detect_format(path)
    if fmt == "semeval":
        return ReadResult(read_semeval_folder(path), [], "semeval")
    if fmt not in READERS:
        raise ValueError(f"unknown annotation format {fmt!r}; expected one of {', '.join(FORMATS)}")
    if not Path(path).is_file():
        raise AnnotationError(str(path), None, "no such file")
    return READERS[fmt](path, strict)


# ---------------------------------------------------------------------------------------------
# Writing the simple format


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
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    count = 0
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8", newline="\n") as handle:
            for record in records:
                handle.write(json.dumps(record, ensure_ascii=False) + "\n")
                count += 1
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
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
