"""The job's output files: append-only, one whole line at a time, recovered on start.

The results file is the record of what is complete: on open it is locked against a second job,
an unfinished last line (a killed run can leave one) is cut off, whole lines that are not JSON are
dropped (and redone), and the ids of the remaining lines are what a re-run skips.
"""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Iterator
from pathlib import Path

from pydantic import BaseModel

from framing.model.files import write_atomic
from framing.service.batch.options import BatchError


def write_all(fd: int, data: bytes) -> None:
    """os.write until every byte is out (a single call may write less)."""
    view = memoryview(data)
    while view:
        written = os.write(fd, view)
        view = view[written:]


def lock_for_job(fd: int, output: str) -> None:
    """An exclusive lock on `fd` for this job's lifetime, or `BatchError` when another job holds it (no
    lock where the platform has no POSIX locks: the rest still works)."""
    try:
        import fcntl
    except ImportError:
        return
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError as error:
        raise BatchError(f"{output} is being written by another framing batch job") from error


class OutputFile:
    """The JSONL results file: locked against a second job, recovered on open, appended line by line."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.done: dict[str, int] = {}  # id -> byte offset of its line
        self.dropped_tail = 0
        self.dropped_lines = 0
        # The operating points of the lines already there (lines written before the field existed
        # were precise), so a resumed job cannot mix two points in one file.
        self.operating_points: set[str] = set()
        path.parent.mkdir(parents=True, exist_ok=True)
        self.fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_APPEND, 0o644)
        try:
            self._lock()
            self._recover()
        except BaseException:
            os.close(self.fd)
            raise

    def _lock(self) -> None:
        lock_for_job(self.fd, str(self.path))

    def _scan(self) -> tuple[int, list[tuple[int, int]]]:
        """Collect complete ids; return where the complete lines end and the spans of unreadable lines."""
        complete_end = 0
        bad: list[tuple[int, int]] = []
        with os.fdopen(os.dup(self.fd), "rb") as handle:
            handle.seek(0)
            for raw in handle:
                if not raw.endswith(b"\n"):
                    break  # an unfinished last line: a run was killed while writing it
                start, complete_end = complete_end, complete_end + len(raw)
                if not raw.strip():
                    continue
                try:
                    record = json.loads(raw)
                    doc_id = record["id"]
                    if not isinstance(doc_id, str):
                        raise TypeError
                    self.operating_points.add(str(record.get("operating_point", "precise")))
                except (ValueError, KeyError, TypeError):
                    bad.append((start, complete_end))
                    continue
                self.done.setdefault(doc_id, start)
        return complete_end, bad

    def _recover(self) -> None:
        size = os.fstat(self.fd).st_size
        complete_end, bad = self._scan()
        if complete_end < size:
            self.dropped_tail = size - complete_end
            os.ftruncate(self.fd, complete_end)
        if bad:
            # Whole lines that are not JSON (a disk fault): keep every good line, drop these, redo them.
            self.dropped_lines = len(bad)
            bad_starts = {start for start, _ in bad}

            def good_lines() -> Iterator[bytes]:
                with open(self.path, "rb") as handle:
                    offset = 0
                    for raw in handle:
                        if offset not in bad_starts:
                            yield raw
                        offset += len(raw)

            write_atomic(self.path, good_lines())
            os.close(self.fd)
            self.fd = os.open(self.path, os.O_RDWR | os.O_APPEND)
            self._lock()
            self.done.clear()
            self.operating_points.clear()
            self._scan()

    def read_line(self, doc_id: str) -> bytes:
        with os.fdopen(os.dup(self.fd), "rb") as handle:
            handle.seek(self.done[doc_id])
            return handle.readline()

    def append(self, line: bytes) -> None:
        write_all(self.fd, line)

    def close(self) -> None:
        with contextlib.suppress(OSError):
            os.fsync(self.fd)
        os.close(self.fd)


class FailedRecord(BaseModel):
    """One line of the errors file: which record could not be scored, where it was, and why."""

    id: str | None
    source: str
    reason: str


class ErrorLog:
    """Bad records, one JSON line each; the file is created on the first error of a run."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.count = 0
        self._fd: int | None = None
        path.unlink(missing_ok=True)  # errors of an earlier run: this run re-checks every record

    def add(self, doc_id: str | None, source: str, reason: str) -> None:
        if self._fd is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_APPEND | os.O_TRUNC, 0o644)
        record = FailedRecord(id=doc_id, source=source, reason=reason)
        # json.dumps, not model_dump_json: the file keeps its "key": value spacing, and lone
        # surrogates from broken input are escaped rather than refused.
        line = json.dumps(record.model_dump(), ensure_ascii=False) + "\n"
        write_all(self._fd, line.encode("utf-8", "backslashreplace"))
        self.count += 1

    def close(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
