"""Batch input: a folder of .txt files, JSON Lines or CSV, read lazily one `Record` at a time.

Bad records do not stop the job: they come out with `error` set and go to the errors file.
`detect_input_kind` names how a batch input is laid out (folder, jsonl, csv); it is unrelated to
`training.import_formats.detect_annotation_format`, which tells annotation-tool exports apart.
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import os
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

from framing.model.inputs import InputError, check_document_id, check_text, is_valid_utf8, read_json_lines
from framing.service.batch.options import STDIN, BatchError

INPUT_KINDS = ("folder", "jsonl", "csv")
JSONL_SUFFIXES = (".jsonl", ".ndjson", ".jsonlines")
CSV_SUFFIXES = (".csv", ".tsv")


@dataclass
class Record:
    """One input document, or the reason it could not be read."""

    id: str | None
    source: str
    text: str | None = None
    error: str | None = None
    # The record's other fields (JSONL keys, CSV columns, Parquet columns beyond id and text),
    # carried to the output so a scored archive keeps its source, date, ...; None when there are none.
    metadata: dict[str, Any] | None = None


def record_from_object(value: dict[str, Any], source: str) -> Record:
    """One decoded `{"id", "text", ...}` object (a JSONL line, a Parquet row) as a Record."""
    if "id" not in value:
        return Record(None, source, error="record has no 'id'")
    try:
        doc_id = check_document_id(value["id"])
    except InputError as error:
        return Record(None, source, error=error.message)
    if "text" not in value:
        return Record(doc_id, source, error="record has no 'text'")
    text = value["text"]
    if not isinstance(text, str):
        try:
            check_text(text)
        except InputError as error:
            return Record(doc_id, source, error=error.message)
    metadata = {key: field for key, field in value.items() if key not in ("id", "text")}
    return Record(doc_id, source, text=text, metadata=metadata or None)


def record_problem(record: Record, seen: dict[str, str]) -> str | None:
    """Why a record cannot be scored, before its text is looked at: a repeated id (the first one
    wins) or the reason it could not be read. Records a new id in `seen` (id -> source); both
    engines admit records by this rule."""
    if record.id is not None:
        if record.id in seen:
            return f"duplicate id (first seen at {seen[record.id]})"
        seen[record.id] = record.source
    return record.error


def detect_input_kind(path: str, forced: str | None = None) -> str:
    """One of INPUT_KINDS, from `forced` (--input-format) or else from the path."""
    if forced and forced != "auto":
        if forced not in INPUT_KINDS:
            raise BatchError(f"unknown input format {forced!r}; choose from {', '.join(INPUT_KINDS)}")
        return forced
    if path == STDIN:
        return "jsonl"
    p = Path(path)
    if p.is_dir():
        return "folder"
    if not p.exists():
        raise BatchError(f"{path}: no such file or folder")
    suffix = p.suffix.lower()
    if suffix in JSONL_SUFFIXES:
        return "jsonl"
    if suffix in CSV_SUFFIXES:
        return "csv"
    raise BatchError(
        f"{path}: cannot tell the input format from the name; give a folder of .txt files, a .jsonl file "
        f"of {{\"id\", \"text\"}} records, a .csv file with id and text columns, or '-' for JSONL on stdin "
        f"(or name the format with --input-format)"
    )


def _folder_names(folder: Path) -> list[str]:
    # Names only (small), sorted so runs are reproducible; dot-files are editor/OS litter.
    return sorted(name for name in os.listdir(folder) if name.endswith(".txt") and not name.startswith("."))


def read_folder(folder: Path, max_chars: int) -> Iterator[Record]:
    """A folder of `.txt` files; a document's id is its file name without `.txt`."""
    for name in _folder_names(folder):
        path = folder / name
        doc_id, source = name[: -len(".txt")], str(path)
        if path.is_dir():
            continue
        try:
            # Four bytes per character at most: a file this big is over the limit without reading it.
            size = path.stat().st_size
            if size > 4 * max_chars + 4:
                yield Record(doc_id, source, error=f"file is {size} bytes, over the limit of {max_chars} characters")
                continue
            data = path.read_bytes()
        except OSError as error:
            yield Record(doc_id, source, error=f"cannot read file: {error.strerror or error}")
            continue
        try:
            # Exactly as stored (no newline translation), so offsets index the file's own text.
            text = data.decode("utf-8")
        except UnicodeDecodeError as error:
            yield Record(doc_id, source, error=f"not valid UTF-8 ({error.reason} at byte {error.start})")
            continue
        yield Record(doc_id, source, text=text)


def read_jsonl(stream: BinaryIO, name: str, first_line: int = 1) -> Iterator[Record]:
    """One `{"id", "text"}` object per line; blank lines are ignored, other keys are metadata.

    `first_line`: the line number of the stream's first line (a shard that starts mid-file).
    """
    for line in read_json_lines(stream):
        source = f"{name}:{line.number + first_line - 1}"
        if line.value is None:
            assert line.error is not None
            yield Record(None, source, error=line.error.message)
            continue
        yield record_from_object(line.value, source)


def _decoded_lines(stream: BinaryIO) -> Iterator[str]:
    # Undecodable bytes become lone surrogates here, so one bad row does not stop the file; the
    # row is then reported as not UTF-8. A leading byte-order mark (spreadsheet exports) is dropped.
    first = True
    for raw in stream:
        if first:
            raw = raw.removeprefix(codecs.BOM_UTF8)
            first = False
        yield raw.decode("utf-8", "surrogateescape")


def read_csv(stream: BinaryIO, name: str, delimiter: str = ",") -> Iterator[Record]:
    """A header row naming `id` and `text` columns (any case, any order); other columns are metadata.

    A row may differ from the header only by empty fields at its end: metadata fields it lacks read
    as empty, extra empty ones are ignored. A row with something past the header (it would be lost)
    or without its id or text field is a bad record: both usually mean an unquoted delimiter or line
    break.
    """
    csv.field_size_limit(2**31 - 1)  # the --max-chars check is ours, with a clear message
    reader = csv.reader(_decoded_lines(stream), delimiter=delimiter)
    try:
        header = next(reader)
    except StopIteration:
        return
    except csv.Error as error:
        raise BatchError(f"{name}: cannot read the CSV header ({error})") from error
    columns = [column.strip().lower() for column in header]
    missing = [column for column in ("id", "text") if column not in columns]
    if missing:
        raise BatchError(
            f"{name}: CSV has no {' or '.join(repr(m) for m in missing)} column "
            f"(header: {', '.join(repr(c) for c in header) or 'empty'}); it needs 'id' and 'text'"
        )
    id_column, text_column = columns.index("id"), columns.index("text")
    others = [(index, header[index].strip()) for index in range(len(header)) if index not in (id_column, text_column)]
    width = len(header)
    quote = "a tab" if delimiter == "\t" else "a comma" if delimiter == "," else repr(delimiter)
    while True:
        start_line = reader.line_num + 1
        source = f"{name}:{start_line}"
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as error:
            yield Record(None, source, error=f"malformed CSV ({error})")
            continue
        if not row or all(not cell.strip() for cell in row):
            continue
        lacking = [column for column, index in (("id", id_column), ("text", text_column)) if index >= len(row)]
        if lacking or any(cell.strip() for cell in row[width:]):
            fault = (f"so no {' or '.join(repr(column) for column in lacking)} field" if lacking
                     else "and the values past the header would be lost")
            yield Record(None, source, error=f"row has {len(row)} field{'' if len(row) == 1 else 's'}, the header "
                                             f"{width}, {fault}; quote any value holding {quote}, a quote or a "
                                             f"line break")
            continue
        raw_id, text = row[id_column], row[text_column]
        if not is_valid_utf8(raw_id):
            yield Record(None, source, error="not valid UTF-8 (in the id)")
            continue
        try:
            doc_id = check_document_id(raw_id)
        except InputError as error:
            yield Record(None, source, error=error.message)
            continue
        if not is_valid_utf8(text):
            yield Record(doc_id, source, error="not valid UTF-8 (in the text)")
            continue
        metadata = {column: row[index] if index < len(row) else "" for index, column in others}
        bad = next((column for column, cell in metadata.items()
                    if not (is_valid_utf8(column) and is_valid_utf8(cell))), None)
        if bad is not None:
            yield Record(doc_id, source, error=f"not valid UTF-8 (in the {bad!r} column)")
            continue
        yield Record(doc_id, source, text=text, metadata=metadata or None)


def count_records(path: str, input_kind: str) -> int | None:
    """How many records the input holds (for the progress ETA); None when it cannot be known ahead."""
    if path == STDIN:
        return None
    if input_kind == "folder":
        return len(_folder_names(Path(path)))
    try:
        with open(path, "rb") as stream:
            if input_kind == "jsonl":
                return sum(1 for raw in stream if raw.strip())
            reader = csv.reader(_decoded_lines(stream), delimiter="\t" if path.lower().endswith(".tsv") else ",")
            return max(sum(1 for row in reader if row) - 1, 0)
    except (OSError, csv.Error):
        return None


@contextlib.contextmanager
def open_records(path: str, input_kind: str, max_chars: int) -> Iterator[Iterator[Record]]:
    """The input's records, with the file (if any) closed when the block ends."""
    if input_kind == "folder":
        if not Path(path).is_dir():
            raise BatchError(f"{path}: not a folder")
        yield read_folder(Path(path), max_chars)
        return
    stream: BinaryIO
    if path == STDIN:
        stream = sys.stdin.buffer
        name = "<stdin>"
    else:
        try:
            stream = open(path, "rb")  # noqa: SIM115 (closed below)
        except OSError as error:
            raise BatchError(f"{path}: cannot open ({error.strerror})") from error
        name = path
    try:
        if input_kind == "jsonl":
            yield read_jsonl(stream, name)
        else:
            delimiter = "\t" if name.lower().endswith(".tsv") else ","
            yield read_csv(stream, name, delimiter)
    finally:
        if stream is not sys.stdin.buffer:
            stream.close()
