"""How far a job is: counts as a typed summary, a bar on a terminal, periodic lines otherwise."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field


class SummaryReport(BaseModel):
    """What `--summary-json` writes: the final counts, time and throughput."""

    done: int
    skipped: int
    failed: int
    seconds: float
    docs_per_second: float
    workers: int
    interrupted: bool


class Summary(BaseModel):
    """The running counts of a job; `line()` is what the command prints at the end."""

    done: int = 0
    skipped: int = 0
    failed: int = 0
    seconds: float = 0.0
    workers: int = 1
    interrupted_by: int | None = None  # the signal that stopped the job early
    errors_path: Path | None = None
    notes: list[str] = Field(default_factory=list)

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

    def report(self) -> SummaryReport:
        return SummaryReport(done=self.done, skipped=self.skipped, failed=self.failed,
                             seconds=round(self.seconds, 3), docs_per_second=round(self.docs_per_second, 3),
                             workers=self.workers, interrupted=self.interrupted_by is not None)


def _duration(seconds: float) -> str:
    whole = int(seconds)
    if whole >= 3600:
        return f"{whole // 3600}h{whole % 3600 // 60:02d}m"
    if whole >= 60:
        return f"{whole // 60}m{whole % 60:02d}s"
    return f"{whole}s"


class Progress:
    """A tqdm bar when asked for one, else a plain line every `log_every` seconds with rate and ETA."""

    def __init__(self, total: int | None, bar: bool, log_every: float, log: Callable[[str], None]) -> None:
        self.total = total
        self.log_every = log_every
        self._log = log
        self.start = time.monotonic()
        self._last_log = self.start
        self._first: tuple[float, int] | None = None
        self.bar: Any = None
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
