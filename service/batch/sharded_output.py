"""Where a distributed job's results go: a JSONL file like the local engine's, or a Parquet folder.

JSONL (`-o OUT.jsonl`): the local engine's `OutputFile` (locked, recovered on open, one whole line
at a time); the ids already in it are skipped, so a rerun resumes document by document.

Parquet (`-o FOLDER`): one part per input shard, `part-<shard>.parquet`, written whole; the shards
with a part are not read again, and the ids in the parts are skipped elsewhere. Failed records of a
shard are written to `_errors/<shard>.jsonl` before its part, so a part that exists has its errors
recorded. `_framing_job.json` holds what must not change between runs (shard size, operating point).
On a local disk `_framing_job.lock` keeps a second job out of a folder a job is writing (it would
delete the first one's part in progress as a killed run's leftover); object stores offer no lock.
Readers of Parquet folders (pyarrow, DuckDB globs on `*.parquet`) skip the `_` and `.` names.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import TYPE_CHECKING

from framing.service.batch.options import BatchError
from framing.service.batch.output import ErrorLog, OutputFile, lock_for_job

if TYPE_CHECKING:
    import pyarrow as pa

def is_bookkeeping(parts: list[str] | tuple[str, ...]) -> bool:
    """Whether a path (its parts below the folder) is a batch folder's bookkeeping rather than data:
    a name starting with `_` or `.` (`_errors/`, the job record, a part in progress). Batch input and
    `framing report` skip these, as Parquet readers do."""
    return any(part.startswith(("_", ".")) for part in parts)


MANIFEST = "_framing_job.json"
LOCK = "_framing_job.lock"
ERRORS_FOLDER = "_errors"


def writes_jsonl(output: str) -> bool:
    return output.lower().endswith(".jsonl")


class JsonlSink:
    """The results as the local engine writes them."""

    parquet = False

    def __init__(self, output: Path, errors_path: Path, sensitivity: str) -> None:
        self.out = OutputFile(output)
        others = sorted(self.out.operating_points - {sensitivity})
        if others:
            self.out.close()
            raise BatchError(f"{output} holds analyses made at the {', '.join(others)} operating point; resume it "
                             f"with --sensitivity {others[0]}, or write the {sensitivity} ones to another file")
        self.done: set[str] = set(self.out.done)
        self.done_shards: set[str] = set()  # lines carry no shard: every shard is read, done ids skipped
        self.skipped_in_done_shards = 0
        self.errors = ErrorLog(errors_path)
        self.errors_location = str(errors_path)

    def write(self, shard: str, lines: list[bytes], part: pa.Table | None,
              errors: list[tuple[str | None, str, str]]) -> None:
        for doc_id, source, reason in errors:
            self.errors.add(doc_id, source, reason)
        for line in lines:
            self.out.append(line)

    def close(self) -> None:
        self.errors.close()
        self.out.close()


class ParquetSink:
    """A folder of Parquet parts, one per shard, on a local disk or any pyarrow file system."""

    parquet = True

    def __init__(self, output: str, shard_rows: int | None, sensitivity: str, input_location: str) -> None:
        from framing.service.batch.parquet_io import filesystem

        self.fs, self.folder = filesystem(output)
        self.errors_location = f"{output.rstrip('/')}/{ERRORS_FOLDER}/"
        self.fs.create_dir(f"{self.folder}/{ERRORS_FOLDER}", recursive=True)
        self._lock_fd = _lock_local_folder(self.fs, self.folder, output)
        try:
            self._open(output, shard_rows, sensitivity, input_location)
        except BaseException:
            self.close()
            raise

    def _open(self, output: str, shard_rows: int | None, sensitivity: str, input_location: str) -> None:
        import pyarrow.fs as pafs

        from framing.service.batch.parquet_io import PART_PREFIX, part_ids

        manifest = self._read(MANIFEST)
        settings = json.loads(manifest) if manifest else {}
        if settings.get("sensitivity", sensitivity) != sensitivity:
            raise BatchError(f"{output} holds analyses made at the {settings['sensitivity']} operating point; "
                             f"resume it with --sensitivity {settings['sensitivity']}, or write to another folder")
        stored = settings.get("shard_rows")
        if stored is not None and shard_rows is not None and stored != shard_rows:
            raise BatchError(f"{output} was started with --shard-rows {stored}; resume it with the same value "
                             f"(shard names, and so what is done, depend on it)")
        self.shard_rows: int | None = stored if stored is not None else shard_rows
        self.sensitivity, self.input_location = sensitivity, input_location
        self.done_shards: set[str] = set()
        self.done: set[str] = set()
        self.skipped_in_done_shards = 0
        for entry in self.fs.get_file_info(pafs.FileSelector(self.folder)):
            if entry.base_name.startswith(f".{PART_PREFIX}") and entry.base_name.endswith(".tmp"):
                # A part a killed run was still writing: never renamed into place, so not done.
                self.fs.delete_file(entry.path)
            elif entry.base_name.startswith(PART_PREFIX) and entry.base_name.endswith(".parquet"):
                ids = part_ids(self.fs, entry.path)
                self.done_shards.add(entry.base_name[len(PART_PREFIX):-len(".parquet")])
                self.done.update(ids)
                self.skipped_in_done_shards += len(ids)

    def _read(self, name: str) -> str | None:
        import pyarrow.fs as pafs

        path = f"{self.folder}/{name}"
        if self.fs.get_file_info(path).type != pafs.FileType.File:
            return None
        with self.fs.open_input_stream(path) as stream:
            return bytes(stream.read()).decode("utf-8")

    def _put(self, path: str, data: bytes) -> None:
        with self.fs.open_output_stream(path) as stream:
            stream.write(data)

    def start(self, shard_rows: int) -> None:
        """Record the settings a resumed run must share (once the shard size is decided)."""
        settings = {"shard_rows": shard_rows, "sensitivity": self.sensitivity, "input": self.input_location}
        self._put(f"{self.folder}/{MANIFEST}", (json.dumps(settings, indent=2) + "\n").encode("utf-8"))

    def errors_of_done_shards(self) -> int:
        """How many failed records the shards done in earlier runs hold (they stay in `_errors/`)."""
        count = 0
        for shard in self.done_shards:
            text = self._read(f"{ERRORS_FOLDER}/{shard}.jsonl")
            count += len(text.splitlines()) if text else 0
        return count

    def write(self, shard: str, lines: list[bytes], part: pa.Table | None,
              errors: list[tuple[str | None, str, str]]) -> None:
        from framing.service.batch.output import FailedRecord
        from framing.service.batch.parquet_io import PART_PREFIX, write_part

        errors_path = f"{self.folder}/{ERRORS_FOLDER}/{shard}.jsonl"
        if errors:
            text = "".join(json.dumps(FailedRecord(id=i, source=s, reason=r).model_dump(), ensure_ascii=False) + "\n"
                           for i, s, r in errors)
            self._put(errors_path, text.encode("utf-8", "backslashreplace"))
        elif self._read(f"{ERRORS_FOLDER}/{shard}.jsonl") is not None:  # left by a run killed before the part
            self.fs.delete_file(errors_path)
        assert part is not None
        write_part(self.fs, self.folder, f"{PART_PREFIX}{shard}.parquet", part)

    def close(self) -> None:
        if self._lock_fd is not None:
            os.close(self._lock_fd)  # releases the lock
            self._lock_fd = None


def _lock_local_folder(fs: object, folder: str, output: str) -> int | None:
    """The folder's lock file, locked for this job (held until `close`), or None on another file system."""
    import pyarrow.fs as pafs

    if not isinstance(fs, pafs.LocalFileSystem):
        return None
    fd = os.open(os.path.join(folder, LOCK), os.O_RDWR | os.O_CREAT, 0o644)
    try:
        lock_for_job(fd, output)
    except BatchError:
        os.close(fd)
        raise
    return fd


def open_sink(output: str, errors_path: Path, sensitivity: str, shard_rows: int | None,
              input_location: str) -> JsonlSink | ParquetSink:
    if writes_jsonl(output):
        if "://" in output:
            raise BatchError(f"{output}: JSONL output is written to a local file; for a cluster's storage, "
                             f"write Parquet (an -o that does not end in .jsonl)")
        return JsonlSink(Path(output), errors_path, sensitivity)
    return ParquetSink(output, shard_rows, sensitivity, input_location)
