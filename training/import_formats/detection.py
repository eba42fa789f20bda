"""Which annotation format a path holds, and the one entry point that reads any of them.

Not to be confused with `service.batch.detect_input_kind`, which tells how a batch input of
unannotated documents is laid out.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from framing.training.documents import AnnotationError
from framing.training.import_formats.collect import ReadResult
from framing.training.import_formats.doccano import DOCCANO_SPAN_KEYS, read_doccano_jsonl
from framing.training.import_formats.labelstudio import read_labelstudio_json
from framing.training.import_formats.simple import read_simple_jsonl
from framing.training.readers import read_semeval_folder

FORMATS = ("semeval", "labelstudio", "doccano", "simple")


def detect_annotation_format(path: str | Path) -> str:
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
            if any(key in record for key in (*DOCCANO_SPAN_KEYS, "cats", "data")):
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
    fmt = format or detect_annotation_format(path)
    if fmt == "semeval":
        return ReadResult(read_semeval_folder(path), [], "semeval")
    if fmt not in READERS:
        raise ValueError(f"unknown annotation format {fmt!r}; expected one of {', '.join(FORMATS)}")
    if not Path(path).is_file():
        raise AnnotationError(str(path), None, "no such file")
    return READERS[fmt](path, strict)
