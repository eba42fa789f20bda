"""The bounded inference pool: model passes run off the event loop, and no request holds it for long.

At most `workers` model passes run at once and at most `queue_size` more wait; beyond that the
answer is 503 with `Retry-After`, so a burst never piles up unbounded work. Every call carries a
`WorkToken` that the work checks between documents: the token is cancelled when the request's
deadline passes (504 `deadline_exceeded`), when its client disconnects (the work is abandoned) and
when the service shuts down (503 `shutting_down`), so nothing keeps a worker busy for a client that
has gone. The workers are daemon threads: a model pass still running when the grace period ends
does not keep the process alive.
"""

from __future__ import annotations

import asyncio
import queue
import threading
import time
from collections.abc import Awaitable, Callable
from concurrent.futures import Future
from typing import Any

from framing.service.api.errors import ApiError
from framing.service.observability import ServiceMetrics

DEADLINE = "deadline"
CLIENT_GONE = "client_gone"
SHUTDOWN = "shutdown"


class Cancelled(Exception):
    """The work was abandoned before it finished; `reason` says why (deadline, client gone, shutdown)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class WorkToken:
    """Shared by a request and its work: the work calls `check()` between documents."""

    def __init__(self, deadline: float | None) -> None:
        self.deadline = deadline
        self.reason: str | None = None
        self._event = threading.Event()

    def cancel(self, reason: str) -> None:
        if self.reason is None:
            self.reason = reason
        self._event.set()

    @property
    def cancelled(self) -> bool:
        if not self._event.is_set() and self.deadline is not None and time.monotonic() > self.deadline:
            self.cancel(DEADLINE)
        return self._event.is_set()

    def check(self) -> None:
        if self.cancelled:
            raise Cancelled(self.reason or DEADLINE)


def _resolve(future: asyncio.Future) -> None:
    if not future.done():
        future.set_result(None)


_Job = tuple[Future, Callable[..., Any], tuple[Any, ...], WorkToken]


class InferencePool:
    """A fixed number of worker threads plus a bounded number of waiting calls; beyond that, 503."""

    def __init__(self, workers: int, queue_size: int, retry_after: int, metrics: ServiceMetrics,
                 timeout: float | None = None) -> None:
        self.workers = workers
        self.capacity = workers + queue_size
        self.retry_after = retry_after
        self.metrics = metrics
        self.timeout = timeout
        self._pending = 0
        self._lock = threading.Lock()
        self._jobs: queue.SimpleQueue[_Job | None] = queue.SimpleQueue()
        self._threads: list[threading.Thread] = []
        self._active: dict[WorkToken, tuple[asyncio.AbstractEventLoop, asyncio.Future]] = {}
        self._closing = False

    @property
    def pending(self) -> int:
        return self._pending

    def start(self) -> None:
        with self._lock:
            if self._threads:
                return
            self._closing = False
            self._threads = [threading.Thread(target=self._work, name=f"framing-inference-{n}", daemon=True)
                             for n in range(self.workers)]
        for thread in self._threads:
            thread.start()

    def _work(self) -> None:
        while True:
            job = self._jobs.get()
            if job is None:
                return
            future, function, args, token = job
            try:
                if not future.set_running_or_notify_cancel():
                    continue
                if token.cancelled:  # its client gave up, or its deadline passed, while it waited
                    future.set_exception(Cancelled(token.reason or DEADLINE))
                    continue
                try:
                    future.set_result(function(token, *args))
                except BaseException as error:  # handed to the request, which reports it
                    future.set_exception(error)
            finally:
                # Counted down when the thread is done, not when the caller stops waiting: a client
                # that disconnects does not free a slot its computation still occupies.
                with self._lock:
                    self._pending -= 1
                    self.metrics.pending.set(self._pending)

    def close(self) -> None:
        """Stop: refuse new calls, cancel every call in flight (their requests answer 503 now)."""
        with self._lock:
            self._closing = True
            active = list(self._active.items())
        for token, (loop, stop) in active:
            token.cancel(SHUTDOWN)
            if not loop.is_closed():
                loop.call_soon_threadsafe(_resolve, stop)

    def shutdown(self, grace: float = 5.0) -> None:
        """`close()`, then wait up to `grace` seconds for the workers to finish their current pass."""
        self.close()
        threads, self._threads = self._threads, []
        for _ in threads:
            self._jobs.put(None)
        ends = time.monotonic() + grace
        for thread in threads:
            thread.join(max(0.0, ends - time.monotonic()))

    def _admit(self) -> None:
        with self._lock:
            if self._closing:
                raise ApiError(503, "shutting_down", "the service is shutting down; retry on another instance",
                               {"Retry-After": str(self.retry_after)})
            if self._pending >= self.capacity:
                self.metrics.rejected.inc()
                raise ApiError(503, "overloaded",
                               f"the service is busy ({self._pending} analyses running or queued); "
                               "retry shortly",
                               {"Retry-After": str(self.retry_after)})
            self._pending += 1
            self.metrics.pending.set(self._pending)

    async def run(self, function: Callable[..., Any], *args: Any,
                  disconnected: Callable[[], Awaitable[Any]] | None = None) -> Any:
        """`function(token, *args)` in a worker. `disconnected` returns when the client has gone."""
        self._admit()
        self.start()
        token = WorkToken(time.monotonic() + self.timeout if self.timeout is not None else None)
        future: Future = Future()
        loop = asyncio.get_running_loop()
        stop = loop.create_future()
        with self._lock:
            self._active[token] = (loop, stop)
        self._jobs.put((future, function, args, token))
        waiters: set[asyncio.Future] = {asyncio.wrap_future(future), stop}
        watcher = asyncio.ensure_future(disconnected()) if disconnected is not None else None
        if watcher is not None:
            waiters.add(watcher)
        try:
            done, _ = await asyncio.wait(waiters, timeout=self.timeout, return_when=asyncio.FIRST_COMPLETED)
            result = next((w for w in done if w is not stop and w is not watcher), None)
            if result is not None:
                try:
                    return result.result()
                except Cancelled as error:
                    raise self._cancelled(error.reason) from None
            if watcher is not None and watcher in done:
                token.cancel(CLIENT_GONE)
            elif stop in done:
                token.cancel(SHUTDOWN)
            else:
                token.cancel(DEADLINE)
            raise self._cancelled(token.reason or DEADLINE)
        finally:
            if not future.done():  # cancelled from outside (uvicorn past its grace): nobody will read it
                token.cancel(CLIENT_GONE)
            with self._lock:
                self._active.pop(token, None)
            if watcher is not None and not watcher.done():
                watcher.cancel()

    def _cancelled(self, reason: str) -> ApiError:
        if reason == SHUTDOWN:
            return ApiError(503, "shutting_down", "the service is shutting down; retry on another instance",
                            {"Retry-After": str(self.retry_after)})
        if reason == CLIENT_GONE:  # nobody reads this; the status keeps it out of the 5xx counts
            return ApiError(499, "client_closed_request", "the client closed the connection")
        return ApiError(504, "deadline_exceeded",
                        f"the analysis did not finish within {self.timeout:g} s (FRAMING_REQUEST_TIMEOUT); "
                        "send fewer or shorter texts")
