"""Input of a distributed batch job cut into shards: small, named pieces that any worker can read.

The input is a JSONL, CSV or Parquet file, a folder of them (searched recursively; names starting
with `.` or `_` are skipped), or a URI that pyarrow's file systems open. A Parquet file is cut into
row ranges and a JSONL file into line ranges of `rows` records; a CSV file is one shard (a quoted
field may hold a newline, so it cannot be cut by bytes). A shard's name comes from its file and
position, so the same input cut with the same `rows` gives the same names on every run: an output
part named after a shard marks that shard done.

Planning reads only Parquet footers, but a JSONL file once through (on the driver, for its line
boundaries). Records are read with the local engine's readers and rules (`inputs.py`).
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from dataclasses import asdict, dataclass

import pyarrow.fs as pafs

from framing.service.batch.inputs import (
    CSV_SUFFIXES,
    JSONL_SUFFIXES,
    Record,
    read_csv,
    read_jsonl,
    record_from_object,
)
from framing.service.batch.options import BatchError
from framing.service.batch.parquet_io import filesystem, parquet_rows, read_parquet_range
from framing.service.batch.sharded_output import is_bookkeeping

PARQUET_SUFFIXES = (".parquet", ".pq")
SHARD_KINDS = ("jsonl", "csv", "parquet")


@dataclass(frozen=True)
class Shard:
    """Where a piece of the input is: `start`/`end` are bytes (JSONL) or rows (Parquet)."""

    name: str
    kind: str
    location: str  # the input as given: a worker opens its own file system from it
    path: str  # the file, in that file system
    source: str  # how errors name the file
    start: int = 0
    end: int = -1  # -1: to the end of the file
    first_line: int = 1
    records: int | None = None  # at most this many records (lines, rows); None: not known before reading

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


def _kind_of(name: str, forced: str | None) -> str | None:
    if forced and forced != "auto":
        return forced
    lower = name.lower()
    for kind, suffixes in (("jsonl", JSONL_SUFFIXES), ("csv", CSV_SUFFIXES), ("parquet", PARQUET_SUFFIXES)):
        if lower.endswith(suffixes):
            return kind
    return None


def _safe(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "_", name).strip("._") or "input"


def input_files(location: str, forced: str | None = None) -> list[tuple[str, str, str, str]]:
    """(kind, path, relative name, name in errors) of every input file, sorted so runs are reproducible."""
    if forced and forced not in ("auto", *SHARD_KINDS):
        raise BatchError(f"--engine ray reads {', '.join(SHARD_KINDS)} input, not {forced!r}")
    fs, root = filesystem(location)
    info = fs.get_file_info(root)
    if info.type == pafs.FileType.NotFound:
        raise BatchError(f"{location}: no such file or folder")
    if info.type == pafs.FileType.File:
        kind = _kind_of(info.base_name, forced)
        if kind is None:
            raise BatchError(f"{location}: cannot tell the input format from the name; give a .jsonl, .csv or "
                             f".parquet file or a folder of them (or name the format with --input-format)")
        return [(kind, root, info.base_name, location)]
    files = []
    for entry in fs.get_file_info(pafs.FileSelector(root, recursive=True)):
        relative = entry.path[len(root.rstrip("/")) + 1:]
        if entry.type != pafs.FileType.File or is_bookkeeping(relative.split("/")):
            continue
        kind = _kind_of(entry.base_name, forced)
        if kind is not None:
            files.append((kind, entry.path, relative, f"{location.rstrip('/')}/{relative}"))
    if not files:
        raise BatchError(f"{location}: the folder holds no .jsonl, .csv or .parquet file")
    return sorted(files, key=lambda file: file[2])


def _line_ranges(fs: pafs.FileSystem, path: str, rows: int) -> Iterator[tuple[int, int, int, int]]:
    """(start byte, end byte, first line number, lines) of each run of `rows` lines."""
    start = offset = 0
    lines = 0
    with fs.open_input_stream(path) as raw:
        for line in io.BufferedReader(raw, 1 << 20):
            offset += len(line)
            lines += 1
            if lines % rows == 0:
                yield start, offset, lines - rows + 1, rows
                start = offset
    if offset > start:
        yield start, offset, lines - (lines % rows) + 1, lines % rows


def _check_columns(source: str, columns: list[str]) -> None:
    missing = [column for column in ("id", "text") if column not in columns]
    if missing:
        raise BatchError(f"{source}: Parquet has no {' or '.join(map(repr, missing))} column; it needs 'id' and "
                         f"'text' (columns: {', '.join(map(repr, columns)) or 'none'})")


def plan_shards(location: str, rows: int, forced: str | None = None) -> list[Shard]:
    """The input cut into shards of at most `rows` records (CSV: one shard per file)."""
    fs, _ = filesystem(location)
    shards = []
    for kind, path, relative, source in input_files(location, forced):
        stem = _safe(relative)
        if kind == "csv":
            shards.append(Shard(f"{stem}-00000", kind, location, path, source))
        elif kind == "parquet":
            try:
                total, columns = parquet_rows(fs, path)
            except Exception as error:  # pyarrow raises several types for a file that is not Parquet
                raise BatchError(f"{source}: cannot read as Parquet ({error})") from error
            _check_columns(source, columns)
            for index, start in enumerate(range(0, total, rows)):
                shards.append(Shard(f"{stem}-{index:05d}", kind, location, path, source, start, start + rows,
                                    records=min(rows, total - start)))
        else:
            for index, (start, end, first_line, count) in enumerate(_line_ranges(fs, path, rows)):
                shards.append(Shard(f"{stem}-{index:05d}", kind, location, path, source, start, end, first_line,
                                    count))
    return shards


def read_shard(shard: Shard) -> tuple[list[Record], object | None]:
    """The shard's records, and for Parquet the Arrow table they came from (its metadata columns
    keep their types in Parquet output). A file that cannot be read stops the job (BatchError)."""
    fs, _ = filesystem(shard.location)
    try:
        if shard.kind == "parquet":
            table = read_parquet_range(fs, shard.path, shard.start, shard.end - shard.start)
            _check_columns(shard.source, table.column_names)
            records = [record_from_object(row, f"{shard.source}:row {shard.start + number}")
                       for number, row in enumerate(table.to_pylist())]
            return records, table
        with fs.open_input_file(shard.path) as handle:
            if shard.kind == "jsonl":
                handle.seek(shard.start)
                data = io.BytesIO(handle.read(shard.end - shard.start))
                return list(read_jsonl(data, shard.source, shard.first_line)), None
            delimiter = "\t" if shard.path.lower().endswith(".tsv") else ","
            return list(read_csv(io.BufferedReader(handle, 1 << 20), shard.source, delimiter)), None
    except OSError as error:
        raise BatchError(f"{shard.source}: cannot read ({error})") from error
