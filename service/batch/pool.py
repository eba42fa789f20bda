"""Worker processes, each with its own model and torch threads, scoring batches in input order."""

from __future__ import annotations

import contextlib
import os
import signal
import threading
import time
from collections import deque
from collections.abc import Iterator
from concurrent.futures import Future
from pathlib import Path
from typing import TYPE_CHECKING

from framing.service.batch.options import BatchError
from framing.service.batch.scoring import Outcome, Task, open_analyzer, score_tasks

if TYPE_CHECKING:
    from framing.model.analyzer import Analyzer


class WorkerStartError(Exception):
    """The model could not be loaded in a worker process."""


_worker_analyzer: Analyzer | None = None
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
        _worker_analyzer = open_analyzer(model_dir, threads)
    except Exception as error:
        _worker_error = f"{type(error).__name__}: {error}"


def _score_in_worker(tasks: list[Task], sensitivity: str) -> list[Outcome]:
    if _worker_analyzer is None:
        raise WorkerStartError(_worker_error or "the model was not loaded")
    return score_tasks(_worker_analyzer, tasks, sensitivity)


class PoolScorer:
    """Worker processes, each with its own model; a few batches in flight, results in input order."""

    def __init__(self, model_dir: Path | None, threads: int, workers: int, sensitivity: str = "precise") -> None:
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        self.executor = ProcessPoolExecutor(
            max_workers=workers,
            mp_context=multiprocessing.get_context("spawn"),
            initializer=_init_worker,
            initargs=(str(model_dir) if model_dir else None, threads, os.getpid()),
        )
        self.sensitivity = sensitivity  # checked against the model by the caller, before workers start
        self.in_flight: deque[Future[list[Outcome]]] = deque()
        self.limit = 2 * workers

    def submit(self, tasks: list[Task]) -> list[Outcome]:
        """Queue a batch; return the outcomes of the oldest batches once too many are in flight."""
        self.in_flight.append(self.executor.submit(_score_in_worker, tasks, self.sensitivity))
        outcomes: list[Outcome] = []
        while len(self.in_flight) >= self.limit:
            outcomes.extend(self._result(self.in_flight.popleft()))
        return outcomes

    def drain(self) -> Iterator[list[Outcome]]:
        while self.in_flight:
            yield self._result(self.in_flight.popleft())

    @staticmethod
    def _result(future: Future[list[Outcome]]) -> list[Outcome]:
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
