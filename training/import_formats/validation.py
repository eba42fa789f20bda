"""The one set of rules for what an annotated document may look like, for every reader and the
feedback store: ids and text through `model.inputs`, spans and frames against the taxonomy."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, TypeGuard

from framing.model.inputs import InputError, check_document_id, check_text
from framing.model.taxonomy import FRAME_INDEX, FRAMES, TECHNIQUE_INDEX, TECHNIQUES, closest_label
from framing.training.documents import Document, GoldSpan, Problem


@dataclass(frozen=True)
class RawSpan:
    """A span as a file states it, before validation: values may be of any type."""

    start: Any
    end: Any
    label: Any
    text: Any = None  # the highlighted text, where the format gives it


def _suggest(value: str, known: Iterable[str]) -> str:
    close = closest_label(value, known)
    return f" (did you mean {close!r}?)" if close else ""


def is_int(value: Any) -> TypeGuard[int]:
    return isinstance(value, int) and not isinstance(value, bool)


def validate_id(value: Any) -> tuple[str | None, str | None]:
    """The id as a string, or a reason it cannot be one (the rule is `model.inputs.check_document_id`)."""
    try:
        return check_document_id(value), None
    except InputError as error:
        return None, error.message


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
    try:
        check_text(text)
    except InputError as error:
        problems.append(Problem("text", error.message))
        if error.code == "not_a_string":
            text = None

    gold: set[GoldSpan] = set()
    for index, span in enumerate(spans):
        label_ok = isinstance(span.label, str) and span.label in TECHNIQUE_INDEX
        if not label_ok:
            hint = _suggest(span.label, TECHNIQUES) if isinstance(span.label, str) else ""
            problems.append(Problem.span(index, f"unknown technique {span.label!r}{hint}"))
        if not (is_int(span.start) and is_int(span.end)):
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
