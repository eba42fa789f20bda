"""Parquet for batch jobs: the Analysis as nested Arrow columns, output parts written whole, input rows.

An output part holds one row per document: `id`, `model_version`, `operating_point`, `analysis`
(a struct with the Analysis JSON's own field names, derived from the pydantic model so the two
cannot drift apart) and the input record's metadata fields as top-level columns. Parts are written
to a hidden temporary name and moved into place, so a part that exists is complete.
"""

from __future__ import annotations

import json
import types
import typing
import uuid
from typing import Any, Literal, Union, get_args, get_origin

import pyarrow as pa
import pyarrow.fs as pafs
import pyarrow.parquet as pq
from pydantic import BaseModel

from framing.model.schema import Analysis
from framing.service.batch.options import BatchError

RESERVED_COLUMNS = ("id", "model_version", "operating_point", "analysis")
PART_PREFIX = "part-"


def _arrow_type(annotation: Any) -> pa.DataType:
    """The Arrow type of a pydantic field's annotation (the types the Analysis uses)."""
    origin = get_origin(annotation)
    if origin in (Union, types.UnionType):
        inner = [arg for arg in get_args(annotation) if arg is not type(None)]
        if len(inner) != 1:
            raise TypeError(f"no Arrow type for {annotation!r}")
        return _arrow_type(inner[0])
    if origin is list:
        return pa.list_(_arrow_type(get_args(annotation)[0]))
    if origin is Literal:
        return pa.string()
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return model_struct(annotation)
    simple = {str: pa.string(), int: pa.int64(), float: pa.float64(), bool: pa.bool_()}
    if annotation in simple:
        return simple[annotation]
    raise TypeError(f"no Arrow type for {annotation!r}")


def model_struct(model: type[BaseModel]) -> pa.StructType:
    """A pydantic model as an Arrow struct, field for field, in declaration order."""
    hints = typing.get_type_hints(model)
    return pa.struct([pa.field(name, _arrow_type(hints[name])) for name in model.model_fields])


ANALYSIS_TYPE = model_struct(Analysis)


def part_table(lines: list[bytes], metadata: pa.Table | None) -> pa.Table:
    """Output rows from batch lines (the Analysis JSON, maybe with `"metadata"`) and the metadata
    columns of the same rows (None when the input has no other fields)."""
    analyses = []
    for line in lines:
        value = json.loads(line)
        value.pop("metadata", None)
        analyses.append(value)
    columns: dict[str, pa.Array] = {
        "id": pa.array([a["id"] for a in analyses], pa.string()),
        "model_version": pa.array([a["model"]["version"] for a in analyses], pa.string()),
        "operating_point": pa.array([a["operating_point"] for a in analyses], pa.string()),
        "analysis": pa.array(analyses, ANALYSIS_TYPE),
    }
    table = pa.table(columns)
    if metadata is not None:
        for name in metadata.column_names:
            table = table.append_column(name, metadata.column(name))
    return table


def metadata_columns(rows: list[dict[str, Any] | None]) -> pa.Table | None:
    """Metadata of JSONL or CSV records as string columns (non-string JSON values as JSON text),
    in the order the fields first appear; a field a record lacks is null."""
    names: dict[str, None] = {}
    for row in rows:
        names.update(dict.fromkeys(row or {}))
    if not names:
        return None

    def text(value: Any) -> str | None:
        if value is None or isinstance(value, str):
            return value
        return json.dumps(value, ensure_ascii=False, default=str)

    return pa.table({name: pa.array([text((row or {}).get(name)) for row in rows], pa.string()) for name in names})


def filesystem(location: str) -> tuple[pafs.FileSystem, str]:
    """A file system and the path in it: a URI pyarrow knows (s3://, gs://, hdfs://, file://) or a local path."""
    if "://" in location:
        try:
            return pafs.FileSystem.from_uri(location)
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError, OSError) as error:
            raise BatchError(f"{location}: cannot open this location ({error})") from error
    import os

    return pafs.LocalFileSystem(), os.path.abspath(location)


def write_part(fs: pafs.FileSystem, folder: str, name: str, table: pa.Table) -> None:
    """Write a part whole: to a hidden name first, then moved into place (readers skip `.` names)."""
    temporary = f"{folder}/.{name}.{uuid.uuid4().hex}.tmp"
    try:
        pq.write_table(table, temporary, filesystem=fs, compression="zstd")
        fs.move(temporary, f"{folder}/{name}")
    except (OSError, pa.ArrowException) as error:
        raise BatchError(f"cannot write {folder}/{name}: {error}") from error


def parquet_rows(fs: pafs.FileSystem, path: str) -> tuple[int, list[str]]:
    """How many rows a Parquet file holds, and its column names (from the footer alone)."""
    with fs.open_input_file(path) as handle:
        parquet = pq.ParquetFile(handle)
        return int(parquet.metadata.num_rows), list(parquet.schema_arrow.names)


def read_parquet_range(fs: pafs.FileSystem, path: str, start: int, count: int) -> pa.Table:
    """Rows [start, start + count) of a Parquet file, reading only the row groups they lie in."""
    with fs.open_input_file(path) as handle:
        parquet = pq.ParquetFile(handle)
        groups, first_row, offset = [], None, 0
        for index in range(parquet.metadata.num_row_groups):
            rows = parquet.metadata.row_group(index).num_rows
            if offset + rows > start and offset < start + count:
                groups.append(index)
                first_row = offset if first_row is None else first_row
            offset += rows
        if not groups:
            return parquet.schema_arrow.empty_table()
        table = parquet.read_row_groups(groups)
    assert first_row is not None
    return table.slice(start - first_row, count)


def part_ids(fs: pafs.FileSystem, path: str) -> list[str]:
    """The document ids of an output part (its `id` column only)."""
    with fs.open_input_file(path) as handle:
        return [str(value) for value in pq.read_table(handle, columns=["id"]).column("id").to_pylist()]
