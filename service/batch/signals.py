"""Ctrl-C and SIGTERM handling that never cuts one document's output in half."""

from __future__ import annotations

import contextlib
import signal
import threading
from collections.abc import Iterator
from types import FrameType
from typing import Any


class Interrupts:
    """Ctrl-C and SIGTERM stop the job, but never in the middle of writing one document's output."""

    def __init__(self) -> None:
        self.signal: int | None = None
        self._critical = 0
        self._previous: dict[int, Any] = {}

    def _handle(self, signum: int, frame: FrameType | None) -> None:
        self.signal = signum
        if not self._critical:
            raise KeyboardInterrupt

    def install(self) -> None:
        if threading.current_thread() is not threading.main_thread():
            return
        for signum in (signal.SIGINT, signal.SIGTERM):
            self._previous[signum] = signal.signal(signum, self._handle)

    def reclaim(self) -> None:
        """Take the signals back after a library installed its own (Ray's driver does, in `ray.init`);
        `restore` still puts back the handlers from before `install`."""
        if threading.current_thread() is not threading.main_thread() or not self._previous:
            return
        for signum in self._previous:
            signal.signal(signum, self._handle)

    def restore(self) -> None:
        for signum, handler in self._previous.items():
            signal.signal(signum, handler)
        self._previous.clear()

    @contextlib.contextmanager
    def deferred(self) -> Iterator[None]:
        """A block a signal may not interrupt; the interruption happens when the block ends."""
        self._critical += 1
        try:
            yield
        finally:
            self._critical -= 1
        if self.signal is not None and not self._critical:
            raise KeyboardInterrupt

    @contextlib.contextmanager
    def shielded(self) -> Iterator[None]:
        """A block a signal may not interrupt at all: the signal is only recorded (`self.signal`). For the
        clean-up after a job (closing files, shutting Ray down), where an interruption would skip the
        rest of it and a second Ctrl-C or a SIGTERM must still leave the output whole and the summary
        printed."""
        self._critical += 1
        try:
            yield
        finally:
            self._critical -= 1
