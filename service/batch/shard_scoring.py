"""Score one input shard: the local engine's record rules and scoring code, applied to a shard.

Runs inside a Ray actor (or any process holding an Analyzer). A record is checked as `job._Job.admit`
checks it (duplicate id, unreadable record, already done, text rule) and scored by `score_tasks`,
so a document's line is the local engine's, byte for byte.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from framing.model.inputs import InputError, check_text
from framing.service.batch.inputs import record_problem
from framing.service.batch.options import BatchError
from framing.service.batch.scoring import Task, score_tasks
from framing.service.batch.shards import Shard, read_shard

if TYPE_CHECKING:
    import pyarrow as pa

    from framing.model.analyzer import Analyzer


@dataclass
class ShardResult:
    """What a worker sends back for one shard: the scored documents (as lines, and as an output part
    when Parquet is written), the failed records and how many were already done."""

    name: str
    ids: list[str] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)
    lines: list[bytes] = field(default_factory=list)
    part: pa.Table | None = None
    errors: list[tuple[str | None, str, str]] = field(default_factory=list)  # (id, source, reason)
    skipped: int = 0
    fatal: str | None = None  # a problem that stops the job (an unreadable file), for the driver to raise


def _metadata_part(lines: list[bytes], rows: list[int], metadata: list[dict[str, Any] | None],
                   table: Any) -> pa.Table:
    """The output part: Parquet input keeps its metadata columns' types, JSONL and CSV give strings.
    A metadata field named like an output column is written as `input_<name>`."""
    from framing.service.batch.parquet_io import RESERVED_COLUMNS, metadata_columns, part_table

    if table is not None:
        names = [name for name in table.column_names if name not in ("id", "text")]
        columns = table.select(names).take(rows) if names else None
    else:
        columns = metadata_columns(metadata)
    if columns is not None:
        columns = columns.rename_columns([f"input_{name}" if name in RESERVED_COLUMNS else name
                                          for name in columns.column_names])
    return part_table(lines, columns)


def score_shard(analyzer: Analyzer, shard: Shard, *, done: frozenset[str] | set[str], max_chars: int,
                batch_size: int, sensitivity: str, parquet: bool) -> ShardResult:
    """Read, check and score one shard; `done` holds the ids already in the output (skipped)."""
    result = ShardResult(shard.name)
    try:
        records, table = read_shard(shard)
    except BatchError as error:
        result.fatal = str(error)
        return result
    seen: dict[str, str] = {}
    tasks: list[tuple[int, Task]] = []
    for row, record in enumerate(records):
        problem = record_problem(record, seen)
        if problem is not None:
            result.errors.append((record.id, record.source, problem))
            continue
        assert record.id is not None and record.text is not None
        if record.id in done:
            result.skipped += 1
            continue
        try:
            check_text(record.text, max_chars, limit_name="--max-chars")
        except InputError as error:
            result.errors.append((record.id, record.source, error.message))
            continue
        tasks.append((row, Task(record.id, record.source, record.text, None, record.metadata)))
    rows: list[int] = []
    metadata: list[dict[str, Any] | None] = []
    for start in range(0, len(tasks), batch_size):
        batch = tasks[start:start + batch_size]
        for (row, task), outcome in zip(batch, score_tasks(analyzer, [t for _, t in batch], sensitivity), strict=True):
            if outcome.line is None:
                result.errors.append((task.id, task.source, outcome.error or "no result"))
                continue
            result.ids.append(task.id)
            result.sources.append(task.source)
            result.lines.append(outcome.line)
            rows.append(row)
            metadata.append(task.metadata)
    if parquet:
        result.part = _metadata_part(result.lines, rows, metadata, table)
        result.lines = []  # the part carries them
    return result
