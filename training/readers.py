"""Reader for the SemEval-2023 task 3 folder format, validating every record as it reads.

A corpus folder holds `train-articles-subtask-3/article<ID>.txt`, per-article span files in
`train-labels-subtask-3-spans/`, and optionally the frames file `train-labels-subtask-2.txt`. The
`train-`/`dev-` prefix is accepted, so the task's own dev folders load the same way.
"""

from __future__ import annotations

import re
from pathlib import Path

from framing.model.taxonomy import FRAME_INDEX, TECHNIQUE_INDEX
from framing.training.documents import AnnotationError, Document, GoldSpan

_ARTICLE_NAME = re.compile(r"article(?P<id>[^/]+)\.txt$")
_SPAN_NAME = re.compile(r"article(?P<id>[^/]+)-labels-subtask-3\.txt$")


def read_text(path: Path) -> str:
    """Article text exactly as stored: UTF-8, newlines untouched so offsets stay valid."""
    raw = path.read_bytes()
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as error:
        line = raw.count(b"\n", 0, error.start) + 1
        raise AnnotationError(
            str(path), line, f"not valid UTF-8 ({error.reason} at byte {error.start})"
        ) from error


def _find(folder: Path, pattern: str) -> Path | None:
    matches = sorted(folder.glob(pattern))
    return matches[0] if matches else None


def read_span_file(path: Path, texts: dict[str, str]) -> dict[str, list[GoldSpan]]:
    """Spans per article id; rejects unknown labels, bad offsets and spans of missing articles."""
    spans: dict[str, list[GoldSpan]] = {}
    for line_number, line in enumerate(read_text(path).splitlines(), start=1):
        if not line.strip():
            continue
        fields = line.rstrip("\r").split("\t")
        if len(fields) != 4:
            raise AnnotationError(
                str(path), line_number, f"expected 4 tab-separated fields, got {len(fields)}"
            )
        article_id, technique, start_field, end_field = fields
        if technique not in TECHNIQUE_INDEX:
            raise AnnotationError(str(path), line_number, f"unknown technique {technique!r}")
        if article_id not in texts:
            raise AnnotationError(str(path), line_number, f"article {article_id!r} has no text file")
        try:
            start, end = int(start_field), int(end_field)
        except ValueError as error:
            raise AnnotationError(str(path), line_number, f"offsets must be integers: {error}") from error
        text_length = len(texts[article_id])
        if not 0 <= start < end <= text_length:
            raise AnnotationError(
                str(path), line_number, f"span {start}-{end} lies outside the text (length {text_length})"
            )
        spans.setdefault(article_id, []).append(GoldSpan(technique, start, end))
    return spans


def read_frames_file(path: Path, texts: dict[str, str]) -> dict[str, list[str]]:
    frames: dict[str, list[str]] = {}
    for line_number, line in enumerate(read_text(path).splitlines(), start=1):
        if not line.strip():
            continue
        fields = line.rstrip("\r").split("\t")
        if len(fields) not in (1, 2):
            raise AnnotationError(str(path), line_number, f"expected id<TAB>frames, got {len(fields)} fields")
        article_id = fields[0]
        if article_id not in texts:
            raise AnnotationError(str(path), line_number, f"article {article_id!r} has no text file")
        listed = fields[1] if len(fields) == 2 else ""
        labels = [label.strip() for label in listed.split(",") if label.strip()]
        for label in labels:
            if label not in FRAME_INDEX:
                raise AnnotationError(str(path), line_number, f"unknown frame {label!r}")
        frames[article_id] = labels
    return frames


def read_semeval_folder(folder: str | Path) -> list[Document]:
    """All annotated articles of a corpus folder, sorted by id."""
    folder = Path(folder)
    if not folder.is_dir():
        raise AnnotationError(str(folder), None, "corpus folder does not exist")
    articles_dir = _find(folder, "*-articles-subtask-3") or _find(folder, "*articles*")
    if articles_dir is None:
        raise AnnotationError(str(folder), None, "no '*-articles-subtask-3' folder of article texts")
    texts: dict[str, str] = {}
    sources: dict[str, str] = {}
    for path in sorted(articles_dir.glob("article*.txt")):
        match = _ARTICLE_NAME.search(path.name)
        if match:
            texts[match.group("id")] = read_text(path)
            sources[match.group("id")] = str(path)
    if not texts:
        raise AnnotationError(str(articles_dir), None, "no article<ID>.txt files")

    spans: dict[str, list[GoldSpan]] = {}
    spans_dir = _find(folder, "*-labels-subtask-3-spans")
    if spans_dir is not None:
        for path in sorted(spans_dir.glob("article*-labels-subtask-3.txt")):
            match = _SPAN_NAME.search(path.name)
            # Records naming a missing article fail on their own line; this catches the rest.
            file_spans = read_span_file(path, texts)
            if match and match.group("id") not in texts:
                raise AnnotationError(
                    str(path), None, f"span file for article {match.group('id')!r} with no text"
                )
            for article_id, article_spans in file_spans.items():
                spans.setdefault(article_id, []).extend(article_spans)

    frames_file = _find(folder, "*-labels-subtask-2.txt")
    frames = read_frames_file(frames_file, texts) if frames_file else {}

    return [
        Document(
            id=article_id,
            text=texts[article_id],
            spans=sorted(spans.get(article_id, []), key=lambda s: (s.start, s.end, s.technique)),
            frames=frames.get(article_id),
            source=sources[article_id],
        )
        for article_id in sorted(texts)
    ]
