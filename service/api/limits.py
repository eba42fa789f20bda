"""The per-request limits of a batch: how many documents, how many characters in all.

Applied twice with the same words: by the request guard to a large raw body (in a helper process,
before FastAPI parses and validates it on the event loop) and by the endpoint to the parsed request.

Why a process: parsing a 1.4 MB body of 100,000 tiny documents takes about 60 ms inside
`json.loads`, which holds the GIL throughout, so in a thread it still stalled every other request
(/healthz answered in up to 250 ms under four such bodies at once).
"""

from __future__ import annotations

import asyncio
import json
import multiprocessing
import threading
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from typing import Any

from framing.service.settings import Settings


@dataclass(frozen=True)
class Excess:
    """A request over one of these limits: a 413 `code`, and what is over it, said of `field`. The
    answer names the field in `errors` as every other refusal does."""

    code: str
    field: str
    message: str

    @property
    def detail(self) -> str:
        return f"{self.field}: {self.message}"

    @property
    def errors(self) -> list[dict[str, str]]:
        return [{"field": self.field, "message": self.message, "type": self.code}]


def too_many(count: int, characters: int, settings: Settings, field: str = "documents") -> Excess | None:
    """What is over the settings when `count` documents hold `characters` in all; `field` is where
    they were sent (`documents` of a batch, `text` of a single analysis)."""
    if count > settings.max_batch:
        return Excess("batch_too_large", field,
                      f"{count} documents; the limit is {settings.max_batch} (FRAMING_MAX_BATCH)")
    if characters > settings.max_request_chars:
        return Excess("request_too_large", field,
                      f"{characters:,} characters in all; the limit per request is "
                      f"{settings.max_request_chars:,} (FRAMING_MAX_REQUEST_CHARS)")
    return None


def batch_problem(value: Any, settings: Settings) -> Excess | None:
    """The limits applied to a raw JSON batch body; anything malformed is left to the schema."""
    documents = value.get("documents") if isinstance(value, dict) else None
    if not isinstance(documents, list):
        return None
    return too_many(len(documents), _characters(documents), settings)


def _characters(documents: Sequence[Any]) -> int:
    return sum(len(d["text"]) for d in documents if isinstance(d, dict) and isinstance(d.get("text"), str))


def count_body(body: bytes, max_batch: int, max_request_chars: int) -> Excess | None:
    """`batch_problem` of a raw body; runs in the counting process. A body that is not JSON is
    left to FastAPI's parser to describe."""
    try:
        value = json.loads(body)
    except ValueError:
        return None
    return batch_problem(value, Settings(max_batch=max_batch, max_request_chars=max_request_chars))


class BodyCounter:
    """One spawned process that counts large batch bodies; started on the first one."""

    def __init__(self) -> None:
        self._executor: ProcessPoolExecutor | None = None
        self._lock = threading.Lock()

    def _started(self) -> ProcessPoolExecutor:
        with self._lock:
            if self._executor is None:
                # spawn, not fork: the server holds the model and threads a fork would copy.
                self._executor = ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn"))
            return self._executor

    async def problem(self, body: bytes, settings: Settings) -> Excess | None:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._started(), count_body, body, settings.max_batch,
                                          settings.max_request_chars)

    def close(self) -> None:
        with self._lock:
            executor, self._executor = self._executor, None
        if executor is not None:  # waits for a body being counted (tens of ms), so the process and its
            executor.shutdown(wait=True, cancel_futures=True)  # semaphores are gone when the server exits
