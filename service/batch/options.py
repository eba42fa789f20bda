"""A batch job's settings, their defaults, and the error that stops a whole job."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from framing.model.errors import FramingError

DEFAULT_MAX_CHARS = 100_000
DEFAULT_BATCH_SIZE = 8
STDIN = "-"


class BatchError(FramingError):
    """A problem that stops the whole job (bad input path, unreadable model, ...): exit status 2."""


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
    sensitivity: str = "precise"  # the operating point every document is decoded with

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
