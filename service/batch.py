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
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import json
import math
import os
import signal
import sys
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from framing.model.errors import FramingError
from framing.training import semeval_writer

FORMATS = ("folder", "jsonl", "csv")
JSONL_SUFFIXES = (".jsonl", ".ndjson", ".jsonlines")
CSV_SUFFIXES = (".csv", ".tsv")
DEFAULT_MAX_CHARS = 100_000
DEFAULT_BATCH_SIZE = 8
STDIN = "-"


class BatchError(FramingError):
    """A problem that stops the whole job (bad input path, unreadable model, ...): exit status 2."""


@dataclass
class Record:
    """One input document, or the reason it could not be read."""

    id: str | None
    source: str
    text: str | None = None
    error: str | None = None


# ---------------------------------------------------------------------------------------------
# Input readers: each yields Records lazily, bad ones with `error` set.


def detect_format(path: str, forced: str | None = None) -> str:
    if forced and forced != "auto":
        if forced not in FORMATS:
            raise BatchError(f"unknown input format {forced!r}; choose from {', '.join(FORMATS)}")
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


def _check_id(value: object) -> str:
    """A usable document id as a string, or ValueError with the reason."""
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise ValueError(f"'id' must be a string, not {type(value).__name__}")
    value = str(value)
    if not value:
        raise ValueError("'id' is empty")
    if any(ord(c) < 32 or ord(c) == 127 for c in value):
        raise ValueError(f"id {value!r} contains a tab, line break or other control character")
    if not _valid_utf8(value):
        raise ValueError(f"id {value!r} contains unpaired surrogate code points")
    return value


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


def _json_record(raw: bytes, source: str) -> Record:
    try:
        line = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        return Record(None, source, error=f"not valid UTF-8 ({error.reason} at byte {error.start})")
    try:
        value = json.loads(line)
    except json.JSONDecodeError as error:
        return Record(None, source, error=f"not valid JSON ({error.msg} at column {error.colno})")
    if not isinstance(value, dict):
        return Record(None, source, error=f"expected a JSON object with id and text, got {type(value).__name__}")
    if "id" not in value:
        return Record(None, source, error="record has no 'id'")
    try:
        doc_id = _check_id(value["id"])
    except ValueError as error:
        return Record(None, source, error=str(error))
    text = value.get("text")
    if "text" not in value:
        return Record(doc_id, source, error="record has no 'text'")
    if not isinstance(text, str):
        return Record(doc_id, source, error=f"'text' must be a string, not {type(text).__name__}")
    return Record(doc_id, source, text=text)


def read_jsonl(stream: BinaryIO, name: str) -> Iterator[Record]:
    """One `{"id", "text"}` object per line; blank lines are ignored."""
    for line_number, raw in enumerate(stream, start=1):
        if not raw.strip():
            continue
        yield _json_record(raw, f"{name}:{line_number}")


def _decoded_lines(stream: BinaryIO) -> Iterator[str]:
    # Undecodable bytes become lone surrogates here, so one bad row does not stop the file; the
    # row is then reported as not UTF-8. A leading byte-order mark (spreadsheet exports) is dropped.
    first = True
    for raw in stream:
        if first:
            raw = raw.removeprefix(codecs.BOM_UTF8)
            first = False
        yield raw.decode("utf-8", "surrogateescape")


def _valid_utf8(value: str) -> bool:
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def read_csv(stream: BinaryIO, name: str, delimiter: str = ",") -> Iterator[Record]:
    """A header row naming `id` and `text` columns (any case, any order, other columns ignored)."""
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
    needed = max(id_column, text_column) + 1
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
        if len(row) < needed:
            yield Record(None, source, error=f"row has {len(row)} fields; the text column is field {needed}")
            continue
        raw_id, text = row[id_column], row[text_column]
        if not _valid_utf8(raw_id):
            yield Record(None, source, error="not valid UTF-8 (in the id)")
            continue
        try:
            doc_id = _check_id(raw_id)
        except ValueError as error:
            yield Record(None, source, error=str(error))
            continue
        if not _valid_utf8(text):
            yield Record(doc_id, source, error="not valid UTF-8 (in the text)")
            continue
        yield Record(doc_id, source, text=text)


def count_records(path: str, input_format: str) -> int | None:
    """How many records the input holds (for the progress ETA); None when it cannot be known ahead."""
    if path == STDIN:
        return None
    if input_format == "folder":
        return len(_folder_names(Path(path)))
    try:
        with open(path, "rb") as stream:
            if input_format == "jsonl":
                return sum(1 for raw in stream if raw.strip())
            reader = csv.reader(_decoded_lines(stream), delimiter="\t" if path.lower().endswith(".tsv") else ",")
            return max(sum(1 for row in reader if row) - 1, 0)
    except (OSError, csv.Error):
        return None


@contextlib.contextmanager
def open_records(path: str, input_format: str, max_chars: int) -> Iterator[Iterator[Record]]:
    if input_format == "folder":
        if not Path(path).is_dir():
            raise BatchError(f"{path}: not a folder")
        yield read_folder(Path(path), max_chars)
        return
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
        if input_format == "jsonl":
            yield read_jsonl(stream, name)
        else:
            delimiter = "\t" if name.lower().endswith(".tsv") else ","
            yield read_csv(stream, name, delimiter)
    finally:
        if stream is not sys.stdin.buffer:
            stream.close()


# ---------------------------------------------------------------------------------------------
# Output: append-only files written one whole line at a time, and recovery on start.


class Interrupts:
    """Ctrl-C and SIGTERM stop the job, but never in the middle of writing one document's output."""

    def __init__(self) -> None:
        self.signal: int | None = None
        self._critical = 0
        self._previous: dict[int, object] = {}

    def _handle(self, signum, frame) -> None:
        self.signal = signum
        if not self._critical:
            raise KeyboardInterrupt

    def install(self) -> None:
        if threading.current_thread() is not threading.main_thread():
            return
        for signum in (signal.SIGINT, signal.SIGTERM):
            self._previous[signum] = signal.signal(signum, self._handle)

    def restore(self) -> None:
        for signum, handler in self._previous.items():
            signal.signal(signum, handler)
        self._previous.clear()

    @contextlib.contextmanager
    def deferred(self) -> Iterator[None]:
        self._critical += 1
        try:
            yield
        finally:
            self._critical -= 1
        if self.signal is not None and not self._critical:
            raise KeyboardInterrupt


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        written = os.write(fd, view)
        view = view[written:]


def _replace_lines(path: Path, lines: Iterator[bytes]) -> None:
    """Rewrite a file atomically: a crash leaves either the old file or the new one."""
    temporary = path.with_name(path.name + ".tmp")
    with open(temporary, "wb") as handle:
        for line in lines:
            handle.write(line)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temporary, path)


class OutputFile:
    """The JSONL results file: locked against a second job, recovered on open, appended line by line."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.done: dict[str, int] = {}  # id -> byte offset of its line
        self.dropped_tail = 0
        self.dropped_lines = 0
        path.parent.mkdir(parents=True, exist_ok=True)
        self.fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_APPEND, 0o644)
        try:
            self._lock()
            self._recover()
        except BaseException:
            os.close(self.fd)
            raise

    def _lock(self) -> None:
        try:
            import fcntl
        except ImportError:  # not POSIX: no lock, the rest still works
            return
        try:
            fcntl.flock(self.fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as error:
            raise BatchError(f"{self.path} is being written by another framing batch job") from error

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
                    doc_id = json.loads(raw)["id"]
                    if not isinstance(doc_id, str):
                        raise TypeError
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

            _replace_lines(self.path, good_lines())
            os.close(self.fd)
            self.fd = os.open(self.path, os.O_RDWR | os.O_APPEND)
            self._lock()
            self.done.clear()
            self._scan()

    def read_line(self, doc_id: str) -> bytes:
        with os.fdopen(os.dup(self.fd), "rb") as handle:
            handle.seek(self.done[doc_id])
            return handle.readline()

    def append(self, line: bytes) -> None:
        _write_all(self.fd, line)

    def close(self) -> None:
        with contextlib.suppress(OSError):
            os.fsync(self.fd)
        os.close(self.fd)


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
        line = json.dumps({"id": doc_id, "source": source, "reason": reason}, ensure_ascii=False) + "\n"
        _write_all(self._fd, line.encode("utf-8", "backslashreplace"))
        self.count += 1

    def close(self) -> None:
        if self._fd is not None:
            os.close(self._fd)


@dataclass
class SemevalPayload:
    article_id: str
    spans: str
    paragraphs: str
    frames: str


def semeval_payload(article_id: str, analysis, text: str) -> SemevalPayload:
    return SemevalPayload(
        article_id=article_id,
        spans="".join(semeval_writer.span_lines(article_id, analysis)),
        paragraphs="".join(semeval_writer.paragraph_lines(article_id, analysis, text)),
        frames=semeval_writer.frames_line(article_id, analysis),
    )


class SemevalOutput:
    """The SemEval-2023 files beside the JSONL, kept consistent with it across interrupted runs.

    Per document the span file is replaced atomically, then its paragraph lines and its frames line
    are appended, and only then the JSONL line: the frames line marks a document complete here. On
    start, lines of documents not complete in both places are dropped, so none appears twice.
    """

    def __init__(self, folder: Path, done_article_ids: set[str]) -> None:
        self.folder = folder
        self.spans_folder = folder / semeval_writer.SPANS_FOLDER
        self.spans_folder.mkdir(parents=True, exist_ok=True)
        self.paragraphs_path = folder / semeval_writer.PARAGRAPHS_FILE
        self.frames_path = folder / semeval_writer.FRAMES_FILE
        self.complete = self._recover(done_article_ids)
        self._paragraphs = os.open(self.paragraphs_path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
        self._frames = os.open(self.frames_path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)

    @staticmethod
    def _complete_lines(path: Path) -> Iterator[bytes]:
        if not path.exists():
            return
        with open(path, "rb") as handle:
            for raw in handle:
                if raw.endswith(b"\n"):
                    yield raw

    def _recover(self, done: set[str]) -> set[str]:
        complete: set[str] = set()
        for raw in self._complete_lines(self.frames_path):
            article_id = raw.split(b"\t", 1)[0].decode("utf-8", "replace")
            if article_id in done:
                complete.add(article_id)

        def keep(path: Path, once: bool) -> Iterator[bytes]:
            written: set[str] = set()
            for raw in self._complete_lines(path):
                article_id = raw.split(b"\t", 1)[0].decode("utf-8", "replace")
                if article_id in complete and not (once and article_id in written):
                    written.add(article_id)
                    yield raw

        _replace_lines(self.paragraphs_path, keep(self.paragraphs_path, once=False))
        _replace_lines(self.frames_path, keep(self.frames_path, once=True))
        prefix, suffix = "article", "-labels-subtask-3.txt"
        for name in os.listdir(self.spans_folder):
            stale = name.endswith(".tmp") or (
                name.startswith(prefix) and name.endswith(suffix)
                and name[len(prefix): -len(suffix)] not in complete)
            if stale:
                (self.spans_folder / name).unlink(missing_ok=True)
        return complete

    def write(self, payload: SemevalPayload) -> None:
        target = self.spans_folder / semeval_writer.span_file_name(payload.article_id)
        temporary = target.with_name(target.name + ".tmp")
        temporary.write_bytes(payload.spans.encode("utf-8"))
        os.replace(temporary, target)
        _write_all(self._paragraphs, payload.paragraphs.encode("utf-8"))
        _write_all(self._frames, payload.frames.encode("utf-8"))
        self.complete.add(payload.article_id)

    def close(self) -> None:
        for fd in (self._paragraphs, self._frames):
            with contextlib.suppress(OSError):
                os.fsync(fd)
            os.close(fd)


# ---------------------------------------------------------------------------------------------
# Scoring: the same function runs in-process or in worker processes.


@dataclass
class Task:
    id: str
    source: str
    text: str
    article_id: str | None = None  # set when SemEval files are written


@dataclass
class Outcome:
    id: str
    source: str
    line: bytes | None = None
    semeval: SemevalPayload | None = None
    error: str | None = None


def score_tasks(analyzer, tasks: list[Task]) -> list[Outcome]:
    """Score a batch in one pass; if the batch fails, score its documents one by one to find the culprit."""
    try:
        analyses = analyzer.analyze_many([t.text for t in tasks], [t.id for t in tasks])
    except Exception:
        if len(tasks) == 1:
            analyses = None
        else:
            return [outcome for task in tasks for outcome in score_tasks(analyzer, [task])]
    if analyses is None:
        try:
            analyses = analyzer.analyze_many([tasks[0].text], [tasks[0].id])
        except Exception as error:
            return [Outcome(tasks[0].id, tasks[0].source, error=f"analysis failed: {type(error).__name__}: {error}")]
    outcomes = []
    for task, analysis in zip(tasks, analyses, strict=True):
        line = analysis.model_dump_json().encode("utf-8") + b"\n"
        payload = semeval_payload(task.article_id, analysis, task.text) if task.article_id is not None else None
        outcomes.append(Outcome(task.id, task.source, line=line, semeval=payload))
    return outcomes


class WorkerStartError(Exception):
    """The model could not be loaded in a worker process."""


_worker_analyzer = None
_worker_error: str | None = None


def _watch_parent(parent: int) -> None:
    # A worker whose job was killed (SIGKILL) exits instead of waiting forever for work.
    while True:
        time.sleep(1.0)
        if os.getppid() != parent:
            os._exit(1)


def _init_worker(model_dir: str | None, threads: int, parent: int) -> None:
    global _worker_analyzer, _worker_error
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent decides what Ctrl-C means
    threading.Thread(target=_watch_parent, args=(parent,), daemon=True).start()
    try:
        from framing.model.analyzer import Analyzer

        _worker_analyzer = Analyzer.load(model_dir, threads=threads)
    except Exception as error:
        _worker_error = f"{type(error).__name__}: {error}"


def _score_in_worker(tasks: list[Task]) -> list[Outcome]:
    if _worker_analyzer is None:
        raise WorkerStartError(_worker_error or "the model was not loaded")
    return score_tasks(_worker_analyzer, tasks)


class InProcessScorer:
    def __init__(self, model_dir: Path | None, threads: int, analyzer=None) -> None:
        if analyzer is not None:
            self.analyzer = analyzer
            return
        from framing.model.analyzer import Analyzer
        from framing.model.artifact import ModelLoadError

        try:
            self.analyzer = Analyzer.load(model_dir, threads=threads)
        except (ModelLoadError, OSError, ValueError) as error:
            raise BatchError(f"cannot load the model: {error}") from error

    def submit(self, tasks: list[Task]) -> list[Outcome]:
        return score_tasks(self.analyzer, tasks)

    def close(self, interrupted: bool = False) -> None:
        pass


class PoolScorer:
    """Worker processes, each with its own model; a few batches in flight, results in input order."""

    def __init__(self, model_dir: Path | None, threads: int, workers: int) -> None:
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        self.executor = ProcessPoolExecutor(
            max_workers=workers,
            mp_context=multiprocessing.get_context("spawn"),
            initializer=_init_worker,
            initargs=(str(model_dir) if model_dir else None, threads, os.getpid()),
        )
        self.in_flight: deque = deque()
        self.limit = 2 * workers

    def submit(self, tasks: list[Task]) -> list[Outcome]:
        """Queue a batch; return the outcomes of the oldest batches once too many are in flight."""
        self.in_flight.append(self.executor.submit(_score_in_worker, tasks))
        outcomes: list[Outcome] = []
        while len(self.in_flight) >= self.limit:
            outcomes.extend(self._result(self.in_flight.popleft()))
        return outcomes

    def drain(self) -> Iterator[list[Outcome]]:
        while self.in_flight:
            yield self._result(self.in_flight.popleft())

    @staticmethod
    def _result(future) -> list[Outcome]:
        from concurrent.futures.process import BrokenProcessPool

        try:
            return future.result()
        except WorkerStartError as error:
            raise BatchError(f"cannot load the model: {error}") from error
        except BrokenProcessPool as error:
            raise BatchError(f"a worker process died ({error}); re-run the command to resume") from error

    def close(self, interrupted: bool = False) -> None:
        if interrupted:
            # Results still in flight are dropped (they were never written, so a re-run redoes them).
            for process in list(getattr(self.executor, "_processes", {}).values()):
                with contextlib.suppress(Exception):
                    process.terminate()
        with contextlib.suppress(Exception):
            self.executor.shutdown(wait=True, cancel_futures=True)


# ---------------------------------------------------------------------------------------------
# Progress: a bar on a terminal, periodic plain lines otherwise.


def _duration(seconds: float) -> str:
    seconds = int(seconds)
    if seconds >= 3600:
        return f"{seconds // 3600}h{seconds % 3600 // 60:02d}m"
    if seconds >= 60:
        return f"{seconds // 60}m{seconds % 60:02d}s"
    return f"{seconds}s"


class Progress:
    def __init__(self, total: int | None, bar: bool, log_every: float, log: Callable[[str], None]) -> None:
        self.total = total
        self.log_every = log_every
        self._log = log
        self.start = time.monotonic()
        self._last_log = self.start
        self._first: tuple[float, int] | None = None
        self.bar = None
        if bar:
            from tqdm import tqdm

            self.bar = tqdm(total=total, unit="doc", dynamic_ncols=True, smoothing=0.05, file=sys.stderr)

    def log(self, message: str) -> None:
        if self.bar is not None:
            self.bar.write(message, file=sys.stderr)
        else:
            self._log(message)

    def update(self, summary: Summary, processed: int = 1) -> None:
        if self.bar is not None:
            self.bar.update(processed)
            self.bar.set_postfix(failed=summary.failed, skipped=summary.skipped, refresh=False)
            return
        now = time.monotonic()
        if self._first is None and summary.done:
            # The rate counts from the first scored document, so model loading does not skew the ETA.
            self._first = (now, summary.done)
        if now - self._last_log >= self.log_every:
            self._last_log = now
            rate = 0.0
            if self._first is not None and now > self._first[0]:
                rate = (summary.done - self._first[1]) / (now - self._first[0])
            position = summary.done + summary.failed
            of = f"/{self.total}" if self.total is not None else ""
            eta = ""
            if self.total is not None and rate > 0:
                eta = f", ETA {_duration(max(self.total - position, 0) / rate)}"
            self._log(
                f"framing batch: {position}{of} processed ({summary.done} done, {summary.failed} failed, "
                f"{summary.skipped} skipped), {rate:.2f} docs/s{eta}"
            )

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


# ---------------------------------------------------------------------------------------------
# The job.


@dataclass
class BatchOptions:
    input: str
    output: Path
    errors: Path | None = None
    model: Path | None = None
    input_format: str = "auto"
    max_chars: int = DEFAULT_MAX_CHARS
    batch_size: int = DEFAULT_BATCH_SIZE
    workers: int | None = None  # None: one per idle core (default_workers)
    threads: int = 1
    semeval_dir: Path | None = None  # set to also write SemEval-2023 files
    progress: bool | None = None  # None: a bar when stderr is a terminal
    log_every: float = 10.0

    @property
    def errors_path(self) -> Path:
        return self.errors or default_errors_path(self.output)


def default_errors_path(output: Path) -> Path:
    return output.with_name(output.stem + ".errors.jsonl") if output.suffix else output.with_name(
        output.name + ".errors.jsonl")


def default_semeval_dir(output: Path) -> Path:
    return output.with_name((output.stem if output.suffix else output.name) + "-semeval")


def available_cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:
        return os.cpu_count() or 1


def default_workers() -> int:
    """One worker per idle core, at least one.

    A worker on a core that another job keeps busy only slows both down: on the 2-core development
    machine, with a training run holding one core, two workers scored 0.4-0.7 docs/s against
    1.1-1.25 for one. On idle cores, two single-threaded workers beat one (about 2.0-2.3 docs/s
    against 1.6-1.8), and one worker with two threads was slowest of all (about 1.0).
    """
    cores = available_cores()
    try:
        busy = os.getloadavg()[0]
    except (AttributeError, OSError):
        busy = 0.0
    return max(1, min(cores, cores - round(busy)))


@dataclass
class Summary:
    done: int = 0
    skipped: int = 0
    failed: int = 0
    seconds: float = 0.0
    workers: int = 1
    interrupted_by: int | None = None  # the signal that stopped the job early
    errors_path: Path | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def docs_per_second(self) -> float:
        return self.done / self.seconds if self.seconds > 0 else 0.0

    def line(self) -> str:
        parts = [f"{self.done} done", f"{self.skipped} skipped (already in the output)", f"{self.failed} failed"]
        text = f"framing batch: {', '.join(parts)} in {self.seconds:.1f}s, {self.docs_per_second:.2f} docs/s"
        text += f" ({self.workers} worker{'s' if self.workers != 1 else ''})"
        if self.failed and self.errors_path:
            text += f"; failures are listed in {self.errors_path}"
        if self.interrupted_by is not None:
            text += "; interrupted: run the same command again to resume"
        return text

    def as_dict(self) -> dict:
        return {"done": self.done, "skipped": self.skipped, "failed": self.failed,
                "seconds": round(self.seconds, 3), "docs_per_second": round(self.docs_per_second, 3),
                "workers": self.workers, "interrupted": self.interrupted_by is not None}


def _same_file(a: str | Path, b: Path) -> bool:
    try:
        return Path(a).resolve() == b.resolve()
    except OSError:
        return False


def run_batch(options: BatchOptions, log: Callable[[str], None] | None = None, analyzer=None) -> Summary:
    """Run (or resume) a batch job. Raises BatchError for problems that stop it.

    `analyzer`: an already loaded `Analyzer` to score with in this process (no workers), for
    callers that hold one; by default the job loads `options.model` itself.
    """
    log = log or (lambda message: print(message, file=sys.stderr, flush=True))
    started = time.monotonic()
    if options.max_chars < 1 or options.batch_size < 1 or options.threads < 1:
        raise BatchError("--max-chars, --batch-size and --threads must be at least 1")
    input_format = detect_format(options.input, options.input_format)
    output, errors_path = options.output, options.errors_path
    for other, what in ((options.input, "input"), (errors_path, "errors file")):
        if other != STDIN and _same_file(other, output):
            raise BatchError(f"the {what} and the output are the same file ({output})")

    interrupts = Interrupts()
    interrupts.install()
    summary = Summary(errors_path=errors_path)
    out = semeval = errors = scorer = progress = None
    try:
        out = OutputFile(output)
        if out.dropped_tail:
            log(f"framing batch: dropped an unfinished last line ({out.dropped_tail} bytes) from {output}")
        if out.dropped_lines:
            log(f"framing batch: dropped {out.dropped_lines} unreadable line(s) from {output}; they will be redone")
        article_of: dict[str, str] = {}
        if options.semeval_dir is not None:
            article_of = {doc_id: semeval_writer.semeval_article_id(doc_id) for doc_id in out.done}
            semeval = SemevalOutput(options.semeval_dir, set(article_of.values()))
        errors = ErrorLog(errors_path)

        total = count_records(options.input, input_format)
        to_do = max(total - len(out.done), 0) if total is not None else None
        workers = 1 if analyzer is not None else options.workers or default_workers()
        if to_do is not None:
            workers = max(1, min(workers, math.ceil(to_do / options.batch_size)))
        summary.workers = workers
        log(f"framing batch: {options.input} ({input_format}"
            + (f", {total} records" if total is not None else "") + f") -> {output}"
            + (f", {len(out.done)} already complete" if out.done else "")
            + f"; {workers} worker(s) x {options.threads} thread(s)")
        show_bar = options.progress if options.progress is not None else sys.stderr.isatty()
        progress = Progress(to_do, show_bar, options.log_every, log)

        def fail(doc_id: str | None, source: str, reason: str) -> None:
            errors.add(doc_id, source, reason)
            summary.failed += 1
            progress.update(summary)

        def deliver(outcomes: list[Outcome]) -> None:
            for outcome in outcomes:
                if outcome.error is not None:
                    fail(outcome.id, outcome.source, outcome.error)
                    continue
                with interrupts.deferred():
                    if semeval is not None and outcome.semeval is not None:
                        semeval.write(outcome.semeval)
                    out.append(outcome.line)
                    summary.done += 1
                progress.update(summary)

        seen: dict[str, str] = {}  # id -> source of its first occurrence in this input
        article_sources: dict[str, str] = {}
        batch: list[Task] = []
        with open_records(options.input, input_format, options.max_chars) as records:
            for record in records:
                if record.id is not None:
                    if record.id in seen:
                        fail(record.id, record.source, f"duplicate id (first seen at {seen[record.id]})")
                        continue
                    seen[record.id] = record.source
                if record.error is not None:
                    fail(record.id, record.source, record.error)
                    continue
                assert record.id is not None and record.text is not None
                article_id = None
                if semeval is not None:
                    article_id = semeval_writer.semeval_article_id(record.id)
                    try:
                        semeval_writer.check_article_id(article_id)
                    except ValueError as error:
                        fail(record.id, record.source, str(error))
                        continue
                    if article_id in article_sources:
                        fail(record.id, record.source, f"SemEval id {article_id!r} is also the id of the "
                                                       f"document at {article_sources[article_id]}")
                        continue
                    article_sources[article_id] = record.source
                if record.id in out.done:
                    if semeval is not None and article_id not in semeval.complete:
                        _semeval_from_output(out, semeval, record, article_id, interrupts)
                    summary.skipped += 1
                    continue
                reason = _text_problem(record.text, options.max_chars)
                if reason:
                    fail(record.id, record.source, reason)
                    continue
                batch.append(Task(record.id, record.source, record.text, article_id))
                if len(batch) >= options.batch_size:
                    if scorer is None:  # the model loads once there is work for it
                        scorer = _make_scorer(options, workers, analyzer)
                    deliver(scorer.submit(batch))
                    batch = []
        if batch:
            if scorer is None:
                scorer = _make_scorer(options, workers, analyzer)
            deliver(scorer.submit(batch))
        if isinstance(scorer, PoolScorer):
            for outcomes in scorer.drain():
                deliver(outcomes)
    except KeyboardInterrupt:
        summary.interrupted_by = interrupts.signal or signal.SIGINT
    finally:
        interrupted = summary.interrupted_by is not None
        if scorer is not None:
            scorer.close(interrupted=interrupted)
        if progress is not None:
            progress.close()
        for closable in (errors, semeval, out):
            if closable is not None:
                closable.close()
        interrupts.restore()
        summary.seconds = time.monotonic() - started
    return summary


def _make_scorer(options: BatchOptions, workers: int, analyzer=None) -> InProcessScorer | PoolScorer:
    from framing.model.folder import ModelFolder

    try:  # once, here: every worker then loads the same version even if a registry promotes another
        model = ModelFolder.resolve(options.model).path if analyzer is None else None
    except FramingError as error:
        raise BatchError(f"cannot load the model: {error}") from error
    if workers == 1:
        return InProcessScorer(model, options.threads, analyzer)
    return PoolScorer(model, options.threads, workers)


def _text_problem(text: str, max_chars: int) -> str | None:
    if not text.strip():
        return "empty text"
    if len(text) > max_chars:
        return f"text has {len(text)} characters, over the limit of {max_chars} (--max-chars)"
    if not _valid_utf8(text):
        return "text contains unpaired surrogate code points (not encodable as UTF-8)"
    return None


def _semeval_from_output(out: OutputFile, semeval: SemevalOutput, record: Record, article_id: str,
                         interrupts: Interrupts) -> None:
    """A document complete in the JSONL but not in the SemEval files (an earlier run without
    --format semeval): rebuild its SemEval lines from the saved Analysis, no re-scoring needed."""
    from framing.model.schema import Analysis

    analysis = Analysis.model_validate_json(out.read_line(record.id))
    with interrupts.deferred():
        semeval.write(semeval_payload(article_id, analysis, record.text))
