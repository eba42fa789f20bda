"""Which annotation format a path holds, and the one entry point that reads any of them.

Not to be confused with `service.batch.detect_input_kind`, which tells how a batch input of
unannotated documents is laid out.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from framing.training.documents import AnnotationError
from framing.training.import_formats.babe import babe_files, is_babe_header, read_babe_csv
from framing.training.import_formats.collect import ReadResult, json_array_items
from framing.training.import_formats.doccano import DOCCANO_SPAN_KEYS, read_doccano_jsonl
from framing.training.import_formats.labelstudio import read_labelstudio_json
from framing.training.import_formats.semeval2021 import read_semeval2021, semeval2021_files
from framing.training.import_formats.simple import read_simple_jsonl
from framing.training.readers import read_semeval_folder

FORMATS = ("semeval", "semeval2021", "babe", "labelstudio", "doccano", "simple")


def _folder_formats(folder: Path) -> list[str]:
    """Every corpus layout `folder` holds: SemEval-2023 task 3, SemEval-2021 task 6, BABE."""
    found = []
    if any(child.is_dir() and ("articles" in child.name or child.name.endswith("-labels-subtask-3-spans"))
           for child in folder.iterdir()):
        found.append("semeval")
    if semeval2021_files(folder):
        found.append("semeval2021")
    if babe_files(folder):
        found.append("babe")
    return found


def _is_semeval2021_array(path: Path) -> bool:
    """True if the JSON array's first element is a meme ({id, text, labels}), not a Label Studio task."""
    try:
        content = path.read_text(encoding="utf-8-sig")
        first = next(iter(json_array_items(content, str(path), "records")), None)
    except (UnicodeDecodeError, AnnotationError):
        return False  # the Label Studio reader reports what is wrong with the file
    return (first is not None and isinstance(first[1], dict) and "labels" in first[1]
            and "text" in first[1] and "annotations" not in first[1] and "data" not in first[1])


def detect_annotation_format(path: str | Path) -> str:
    """One of FORMATS, from the path's kind and its first record. Raises AnnotationError if unsure."""
    path = Path(path)
    if path.is_dir():
        found = _folder_formats(path)
        if len(found) > 1:
            raise AnnotationError(str(path), None, f"the folder holds several corpora ({', '.join(found)}); name "
                                                   "one as FORMAT=PATH (--data) or with --format")
        return found[0] if found else "semeval"  # the SemEval reader says what its layout lacks
    if not path.is_file():
        raise AnnotationError(str(path), None, "no such file or folder")
    with path.open("rb") as handle:
        head = handle.read(1 << 16)
    stripped = head.removeprefix(b"\xef\xbb\xbf").lstrip()
    if not stripped:
        raise AnnotationError(str(path), None, "file is empty")
    if stripped.startswith(b"["):
        return "semeval2021" if _is_semeval2021_array(path) else "labelstudio"
    if is_babe_header(stripped.split(b"\n", 1)[0].decode("utf-8", errors="replace")):
        return "babe"
    if not stripped.startswith(b"{"):
        raise AnnotationError(str(path), None, "not an annotation file: expected a JSON array (Label Studio,"
                              " SemEval-2021 task 6), JSON Lines (simple format, doccano) or a BABE CSV")
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
    "semeval2021": read_semeval2021,
    "babe": read_babe_csv,
    "labelstudio": read_labelstudio_json,
    "doccano": read_doccano_jsonl,
    "simple": read_simple_jsonl,
}
FOLDER_FORMATS = ("semeval", "semeval2021", "babe")  # formats whose reader also takes a folder


def split_format_prefix(raw: str | Path) -> tuple[str | None, Path]:
    """`FORMAT=PATH` (as `--data babe=corpus/`) to (FORMAT, PATH); a plain path to (None, path).

    A path that exists as written is always a path, even if it contains '='."""
    text = str(raw)
    name, sep, rest = text.partition("=")
    if sep and name in FORMATS and rest and not Path(text).exists():
        return name, Path(rest)
    return None, Path(text)


def read_annotations(path: str | Path, strict: bool = False, format: str | None = None) -> ReadResult:
    """Annotated documents from a SemEval-2023 folder, a SemEval-2021 task 6 folder or file, a BABE
    CSV, a Label Studio export, a doccano export or the simple JSONL format, with every bad record
    listed in `problems` (or raised, if strict)."""
    fmt = format or detect_annotation_format(path)
    if fmt == "semeval":
        return ReadResult(read_semeval_folder(path), [], "semeval")
    if fmt not in READERS:
        raise ValueError(f"unknown annotation format {fmt!r}; expected one of {', '.join(FORMATS)}")
    if not (Path(path).is_file() or (fmt in FOLDER_FORMATS and Path(path).is_dir())):
        what = "no such file or folder" if fmt in FOLDER_FORMATS else "no such file"
        raise AnnotationError(str(path), None, what)
    return READERS[fmt](path, strict)
