"""User-corrected annotations, kept in SQLite until they are exported for training.

The service stores each correction (`POST /v1/annotations`) with the model version it corrects;
`framing annotations export` writes them in the simple JSONL format that `framing train --data`
reads. Every correction is checked with the same rules as the annotation readers
(`training.import_formats.validate_document`) before it is written, so the store never holds a
record that training would reject.

Durability: WAL journal with synchronous=FULL, one `BEGIN IMMEDIATE` transaction per write, so
an accepted correction survives a crash or a restart. One `FeedbackStore` may be shared by many
threads (writes are serialised on its connection); several processes may open the same file.
"""

from __future__ import annotations

import json
import os
import sqlite3
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from framing.model.errors import FramingError
from framing.model.inputs import new_document_id
from framing.training.documents import Document, GoldSpan, Problem
from framing.training.import_formats import RawSpan, document_to_record, validate_document, write_records

# The environment variable the service and the CLI read the database path from.
FEEDBACK_DB_ENV = "FRAMING_FEEDBACK_DB"

SCHEMA_VERSION = 1
_SCHEMA = """
CREATE TABLE IF NOT EXISTS feedback (
    seq           INTEGER PRIMARY KEY AUTOINCREMENT,  -- insertion order
    id            TEXT NOT NULL UNIQUE,
    text          TEXT NOT NULL,
    spans         TEXT NOT NULL,   -- JSON [[start, end, technique], ...], sorted
    frames        TEXT,            -- JSON list of frames; NULL = frames not annotated
    model_version TEXT,            -- the model whose output this corrects
    created_at    TEXT NOT NULL    -- ISO 8601, UTC
)
"""
_PAGE = 500
# Folders made for the database: annotations are user data, so neither the umask (0777 under umask
# 000) nor other users decide who reads them.
FOLDER_MODE = 0o750


def make_folder(folder: Path) -> None:
    """Create `folder` and its missing parents with FOLDER_MODE whatever the umask; existing ones
    are left as they are."""
    missing = []
    while not folder.exists() and folder != folder.parent:
        missing.append(folder)
        folder = folder.parent
    for path in reversed(missing):
        try:
            path.mkdir(mode=FOLDER_MODE)
        except FileExistsError:
            continue
        os.chmod(path, FOLDER_MODE)


def unusable_reason(path: str | Path) -> str | None:
    """Why the database at `path` could not be opened for writing, without touching anything (the
    service creates no file until its first annotation); None when it looks usable. The reason
    names no path: it may be shown to clients."""
    path = Path(path)
    if str(path) == ":memory:":
        return None
    if path.exists():
        if not path.is_file():
            return "the feedback database path is not a file"
        if not os.access(path, os.R_OK | os.W_OK):
            return "the feedback database file is not readable and writable by the service"
        if not os.access(path.parent, os.W_OK | os.X_OK):
            return "the feedback database's folder is not writable by the service (SQLite needs it for its journal)"
        return None
    ancestor = path.parent
    while not ancestor.exists() and ancestor != ancestor.parent:
        ancestor = ancestor.parent
    if not ancestor.is_dir():
        return "the feedback database's folder cannot be created: a parent is not a folder"
    if not os.access(ancestor, os.W_OK | os.X_OK):
        return "the feedback database cannot be created: its folder is not writable by the service"
    return None


class InvalidFeedback(FramingError, ValueError):
    """A correction that was not stored; `problems` lists everything wrong with it, by field."""

    def __init__(self, problems: Iterable[Problem]) -> None:
        self.problems = list(problems)
        super().__init__("; ".join(self.reasons))

    @property
    def reasons(self) -> list[str]:
        """The problems as sentences, for people (the API reports `problems` field by field)."""
        return [str(problem) for problem in self.problems]


class FeedbackConflict(InvalidFeedback):
    """The id is already stored with different content (nothing stored is ever overwritten)."""


@dataclass(frozen=True)
class FeedbackRecord:
    document: Document
    model_version: str | None
    created_at: str


def _raw_span(span: Any) -> RawSpan | None:
    if isinstance(span, GoldSpan):
        return RawSpan(span.start, span.end, span.technique)
    if isinstance(span, dict):
        if {"start", "end", "label"} <= set(span):
            return RawSpan(span["start"], span["end"], span["label"], span.get("text"))
        return None
    if all(hasattr(span, name) for name in ("start", "end", "label")):  # e.g. a pydantic model
        return RawSpan(span.start, span.end, span.label, getattr(span, "text", None))
    return None


class FeedbackStore:
    """An SQLite file of corrected annotations; the schema is created on first use."""

    def __init__(self, path: str | Path, *, timeout: float = 30.0) -> None:
        self.path = Path(path)
        if str(path) != ":memory:":
            make_folder(self.path.parent)
        self._lock = threading.RLock()
        self._connection: sqlite3.Connection | None = sqlite3.connect(
            str(path), timeout=timeout, isolation_level=None, check_same_thread=False
        )
        try:
            self._connection.execute("PRAGMA journal_mode=WAL")
            self._connection.execute("PRAGMA synchronous=FULL")
            with self._transaction() as connection:
                version = connection.execute("PRAGMA user_version").fetchone()[0]
                if version > SCHEMA_VERSION:
                    raise RuntimeError(f"{path}: feedback schema version {version} is newer than this"
                                       f" code understands ({SCHEMA_VERSION})")
                connection.execute(_SCHEMA)
                connection.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
        except BaseException:
            self.close()
            raise

    # -- plumbing ---------------------------------------------------------------------------

    def _conn(self) -> sqlite3.Connection:
        if self._connection is None:
            raise RuntimeError(f"feedback store {self.path} is closed")
        return self._connection

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        """One write transaction: committed if the block finishes, rolled back if it raises."""
        with self._lock:
            connection = self._conn()
            connection.execute("BEGIN IMMEDIATE")
            try:
                yield connection
                connection.execute("COMMIT")
            except BaseException:
                if connection.in_transaction:
                    connection.execute("ROLLBACK")
                raise

    def close(self) -> None:
        with self._lock:
            if self._connection is not None:
                self._connection.close()
                self._connection = None

    def __enter__(self) -> FeedbackStore:
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()

    # -- writing ----------------------------------------------------------------------------

    def add(self, text: str, spans: Iterable[Any], frames: list[str] | None, model_version: str | None,
            id: str | None = None) -> str:
        """Validate and store one correction; return its id (a new one if `id` is None).

        `spans` holds dicts {"start", "end", "label"[, "text"]} (or `GoldSpan`s, or objects with
        those attributes); `frames` is a list of frame labels, or None when frames were not
        annotated. Raises InvalidFeedback (nothing stored) for a bad correction, FeedbackConflict
        if `id` is taken by a different one. Adding the same correction under the same id again
        is a no-op, so a client may safely retry.
        """
        problems: list[Problem] = []
        raw_spans: list[RawSpan] = []
        if isinstance(spans, (str, bytes, dict)) or not isinstance(spans, Iterable):
            problems.append(Problem("spans", f"spans must be a list, got {type(spans).__name__}"))
        else:
            for index, span in enumerate(spans):
                raw = _raw_span(span)
                if raw is None:
                    problems.append(Problem.span(index, f"expected an object with start, end and label, got {span!r}"))
                else:
                    raw_spans.append(raw)
        if model_version is not None and (not isinstance(model_version, str) or not model_version.strip()):
            problems.append(Problem("model_version",
                                    f"model_version must be a non-empty string or null, got {model_version!r}"))
        doc_id = new_document_id("fb") if id is None else id
        document, document_problems = validate_document(doc_id, text, raw_spans, frames)
        problems += document_problems
        if problems or document is None:
            raise InvalidFeedback(problems)

        spans_json = json.dumps([[s.start, s.end, s.technique] for s in document.spans])
        frames_json = None if document.frames is None else json.dumps(document.frames)
        created_at = datetime.now(UTC).isoformat(timespec="milliseconds")
        with self._transaction() as connection:
            existing = connection.execute(
                "SELECT text, spans, frames, model_version FROM feedback WHERE id = ?", (document.id,)
            ).fetchone()
            if existing is not None:
                if existing == (document.text, spans_json, frames_json, model_version):
                    return document.id
                raise FeedbackConflict([Problem("id", f"id {document.id!r} is already stored with different content")])
            connection.execute(
                "INSERT INTO feedback (id, text, spans, frames, model_version, created_at)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                (document.id, document.text, spans_json, frames_json, model_version, created_at),
            )
        return document.id

    # -- reading ----------------------------------------------------------------------------

    def _record(self, row: tuple) -> FeedbackRecord:
        doc_id, text, spans_json, frames_json, model_version, created_at = row
        spans = [GoldSpan(label, start, end) for start, end, label in json.loads(spans_json)]
        frames = None if frames_json is None else json.loads(frames_json)
        document = Document(id=doc_id, text=text, spans=spans, frames=frames, source=f"{self.path}#{doc_id}")
        return FeedbackRecord(document, model_version, created_at)

    def get(self, id: str) -> FeedbackRecord | None:
        with self._lock:
            row = self._conn().execute(
                "SELECT id, text, spans, frames, model_version, created_at FROM feedback WHERE id = ?", (id,)
            ).fetchone()
        return None if row is None else self._record(row)

    def records(self) -> Iterator[FeedbackRecord]:
        """Every stored correction, oldest first, read a page at a time (memory stays flat)."""
        last = 0
        while True:
            with self._lock:
                rows = self._conn().execute(
                    "SELECT seq, id, text, spans, frames, model_version, created_at FROM feedback"
                    " WHERE seq > ? ORDER BY seq LIMIT ?", (last, _PAGE)
                ).fetchall()
            if not rows:
                return
            for row in rows:
                yield self._record(row[1:])
            last = rows[-1][0]

    def iter_documents(self) -> Iterator[Document]:
        for record in self.records():
            yield record.document

    def __len__(self) -> int:
        with self._lock:
            return self._conn().execute("SELECT COUNT(*) FROM feedback").fetchone()[0]

    def export_jsonl(self, path: str | Path) -> int:
        """Write every correction in the simple JSONL format (atomically); returns the count.

        Each record carries "meta": {"model_version", "created_at"}; readers ignore it.
        """
        return write_records((export_record(record) for record in self.records()), path)


def export_record(record: FeedbackRecord) -> dict[str, Any]:
    """The simple-format JSON object for one stored correction."""
    return document_to_record(
        record.document, meta={"model_version": record.model_version, "created_at": record.created_at}
    )
