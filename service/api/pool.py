"""The bounded inference pool: model passes run off the event loop, and a burst never piles up.

At most `workers` model passes run at once and at most `queue_size` more wait; beyond that the
answer is 503 with `Retry-After`, so a burst never piles up unbounded work.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

from framing.service.api.errors import ApiError
from framing.service.observability import ServiceMetrics


class InferencePool:
    """A fixed number of worker threads plus a bounded number of waiting calls; beyond that, 503."""

    def __init__(self, workers: int, queue_size: int, retry_after: int, metrics: ServiceMetrics) -> None:
        self.workers = workers
        self.capacity = workers + queue_size
        self.retry_after = retry_after
        self.metrics = metrics
        self._pending = 0
        self._lock = threading.Lock()
        self._executor: ThreadPoolExecutor | None = None

    @property
    def pending(self) -> int:
        return self._pending

    def _ensure_started(self) -> ThreadPoolExecutor:
        if self._executor is None:
            self._executor = ThreadPoolExecutor(self.workers, thread_name_prefix="framing-inference")
        return self._executor

    def start(self) -> None:
        self._ensure_started()

    def shutdown(self) -> None:
        executor, self._executor = self._executor, None
        if executor is not None:
            executor.shutdown(wait=True, cancel_futures=True)

    def _finished(self, _future: Future) -> None:
        # Counted down when the thread is done, not when the caller stops waiting: a client that
        # disconnects does not free a slot its computation still occupies.
        with self._lock:
            self._pending -= 1
            self.metrics.pending.set(self._pending)

    async def run(self, function: Callable[..., Any], *args: Any) -> Any:
        with self._lock:
            if self._pending >= self.capacity:
                self.metrics.rejected.inc()
                raise ApiError(503, "overloaded",
                               f"the service is busy ({self._pending} analyses running or queued); "
                               "retry shortly",
                               {"Retry-After": str(self.retry_after)})
            self._pending += 1
            self.metrics.pending.set(self._pending)
        try:
            future = self._ensure_started().submit(function, *args)
        except BaseException:
            self._finished(Future())
            raise
        future.add_done_callback(self._finished)
        return await asyncio.wrap_future(future)
