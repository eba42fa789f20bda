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


# ------------------------------------------------------------------ the other way: tasks for Label Studio

# Control names: the reader above takes "choices" whose control name contains "frame" as frames.
TECHNIQUE_CONTROL, FRAME_CONTROL, TEXT_OBJECT = "technique", "frames", "text"


def labelstudio_config() -> str:
    """The labeling configuration (XML) matching the tasks `labelstudio_task` writes: the 23
    techniques as span labels, the 14 frames as multiple choices on the whole text."""
    from xml.sax.saxutils import quoteattr

    from framing.model.taxonomy import FRAMES, TECHNIQUES

    labels = "\n".join(f"    <Label value={quoteattr(name)}/>" for name in TECHNIQUES)
    frames = "\n".join(f"    <Choice value={quoteattr(name)}/>" for name in FRAMES)
    return (
        "<View>\n"
        f'  <Labels name="{TECHNIQUE_CONTROL}" toName="{TEXT_OBJECT}">\n{labels}\n  </Labels>\n'
        f'  <Text name="{TEXT_OBJECT}" value="$text"/>\n'
        f'  <Header value="Frames of the whole text"/>\n'
        f'  <Choices name="{FRAME_CONTROL}" toName="{TEXT_OBJECT}" choice="multiple" showInLine="true">\n'
        f"{frames}\n  </Choices>\n"
        "</View>\n"
    )


def _utf16_offsets(text: str) -> Callable[[int], int]:
    """Python str index -> UTF-16 code-unit offset (what Label Studio's editor counts)."""
    if all(ord(char) <= 0xFFFF for char in text):
        return lambda index: index
    units = [0]
    for char in text:
        units.append(units[-1] + (2 if ord(char) > 0xFFFF else 1))
    return units.__getitem__


def labelstudio_task(analysis: Any, text: str) -> dict[str, Any]:
    """One Label Studio task: the text, and the model's placed spans and frames as a prediction
    (pre-annotation) with the model version and scores. Whole sentences marked only because no
    words were placed (span unit "sentence") are left out: accepted as they stand, they would teach
    the tagger whole sentences."""
    to_units = _utf16_offsets(text)
    result: list[dict[str, Any]] = []
    for number, span in enumerate(s for s in analysis.spans if getattr(s, "unit", "words") == "words"):
        result.append({
            "id": f"span{number}", "from_name": TECHNIQUE_CONTROL, "to_name": TEXT_OBJECT, "type": "labels",
            "value": {"start": to_units(span.start), "end": to_units(span.end), "text": span.text,
                      "labels": [span.label]},
            "score": span.score,
        })
    if analysis.frames:
        result.append({
            "id": "frames", "from_name": FRAME_CONTROL, "to_name": TEXT_OBJECT, "type": "choices",
            "value": {"choices": [frame.label for frame in analysis.frames]},
            "score": min(frame.score for frame in analysis.frames),
        })
    scores = [item["score"] for item in result]
    return {
        "data": {"id": analysis.id, "text": text},
        "predictions": [{
            "model_version": f"{analysis.model.name} {analysis.model.version}",
            "score": round(sum(scores) / len(scores), 4) if scores else 0.0,
            "result": result,
        }],
    }
