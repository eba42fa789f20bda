"""Batch scoring: many documents in, one `Analysis` JSON line per document out.

The job streams: input is read one record at a time, documents are scored in small batches, and
each result is appended to the output as one whole line and flushed, so memory stays flat however
large the input is, and a crash or Ctrl-C loses at most the batch in flight.

Resuming: the output file is the record of what is complete. On start the job reads the ids already
in it, drops an unfinished last line (a killed run can leave one), and skips those ids; re-running
the same command finishes the job. Bad records never stop the job: they go to an errors file (one
JSON line each, with id, source and reason), rewritten on each run, so after a re-run it lists
exactly what is still missing.

Throughput: documents are scored in batches by worker processes, each with its own copy of the
model and one torch thread; by default one per idle core (measurements in `default_workers`).
One worker scores in this process.

Modules: `options` (settings and defaults), `inputs` (readers), `output` (the results and errors
files, crash-safe), `semeval_output`, `scoring` and `pool` (in-process and worker scoring),
`signals`, `progress` (typed summary and progress lines), `job` (the run loop).

Metadata: a record's fields other than id and text follow its Analysis on the output line as a
top-level `"metadata"` object (the Analysis schema itself has no such field).

On Ray (`--engine ray`, optional extra): `ray_engine` (driver, actor pool), `shards` (the input cut
into named shards), `shard_scoring` (one shard with the rules above), `sharded_output` and
`parquet_io` (the JSONL file or a folder of Parquet parts). Nothing here imports Ray otherwise.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from framing.service.batch.inputs import INPUT_KINDS, Record, detect_input_kind
    from framing.service.batch.job import run_batch
    from framing.service.batch.options import (
        DEFAULT_BATCH_SIZE,
        DEFAULT_MAX_CHARS,
        STDIN,
        BatchError,
        BatchOptions,
        available_cores,
        default_errors_path,
        default_semeval_dir,
        default_workers,
    )
    from framing.service.batch.progress import Summary, SummaryReport

# Loaded on first use (PEP 562), so `framing --help` and the options of `framing batch` do not pay
# for the run loop's imports (scikit-learn through the SemEval writer: about 2 s).
_HOMES = {
    "INPUT_KINDS": "inputs", "Record": "inputs", "detect_input_kind": "inputs", "run_batch": "job",
    "DEFAULT_BATCH_SIZE": "options", "DEFAULT_MAX_CHARS": "options", "STDIN": "options", "BatchError": "options",
    "BatchOptions": "options", "available_cores": "options", "default_errors_path": "options",
    "default_semeval_dir": "options", "default_workers": "options", "Summary": "progress",
    "SummaryReport": "progress",
}


def __getattr__(name: str) -> Any:
    if name not in _HOMES:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{_HOMES[name]}"), name)


__all__ = [
    "DEFAULT_BATCH_SIZE", "DEFAULT_MAX_CHARS", "INPUT_KINDS", "STDIN", "BatchError", "BatchOptions",
    "Record", "Summary", "SummaryReport", "available_cores", "default_errors_path", "default_semeval_dir",
    "default_workers", "detect_input_kind", "run_batch",
]
