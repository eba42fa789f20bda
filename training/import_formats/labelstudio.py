"""Label Studio JSON exports (one JSON array of tasks)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from framing.model.taxonomy import FRAME_INDEX
from framing.training.documents import AnnotationError
from framing.training.import_formats.collect import Collector, ReadResult, json_array_items
from framing.training.import_formats.validation import RawSpan, is_int


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
    start: Any = value.get("start")
    end: Any = value.get("end")
    span_text = value.get("text")
    labels = value.get("labels")
    if not isinstance(labels, list) or not labels:
        labels = [labels]  # reported as an unknown technique by validate_document
    if (to_index is not None and isinstance(text, str) and isinstance(span_text, str)
            and is_int(start) and is_int(end) and text[start:end] != span_text):
        # Label Studio's editor counts offsets in UTF-16 code units; outside the Basic Multilingual
        # Plane (emoji, some CJK) those differ from Python's. Convert only when the given span
        # text proves the converted offsets right.
        new_start, new_end = to_index(start), to_index(end)
        if new_start is not None and new_end is not None and text[new_start:new_end] == span_text:
            start, end = new_start, new_end
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
    collector = Collector(source, strict)
    try:
        content = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as error:
        raise AnnotationError(source, None, f"not valid UTF-8 ({error.reason})") from error
    for number, (line, task) in enumerate(json_array_items(content, source, "Label Studio tasks"), start=1):
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
