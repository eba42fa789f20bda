"""What the service holds while it runs: the model (swappable), its reloader, and the lifespan.

The app holds its `Analyzer` in a `ModelState`: every request takes the analyzer current when it
starts and keeps it to the end, so `ModelState.replace()` can swap in a reloaded model at any time
without failing or dropping requests in flight. The model loads once, in the lifespan, unless an
already loaded `Analyzer` is handed to `create_app`.

`settings.model_dir` may be a model directory or a model registry (`training.registry`), whose
promoted version is served. `POST /v1/admin/reload`, or SIGHUP when run by `framing serve`,
resolves that path again, loads and checks the new model in a thread, then swaps it in; a reload
that fails leaves the current model serving.
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import ctypes.util
import gc
import logging
import signal
import threading
import time
from collections.abc import AsyncIterator, Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

from fastapi import FastAPI

from framing.model.analyzer import Analyzer
from framing.model.folder import ModelFolder, ModelLoadError, RegistryError
from framing.model.layout import MANIFEST
from framing.service.api.errors import ApiError, clean
from framing.service.api.feedback import FeedbackService
from framing.service.api.limits import BodyCounter
from framing.service.api.pool import InferencePool
from framing.service.api.ratelimit import FailureLimiter
from framing.service.api.schemas import ModelResponse, ReloadResponse
from framing.service.observability import ServiceMetrics
from framing.service.settings import Settings

log = logging.getLogger("framing.service")

# Seconds the lifespan's end waits for a model pass still running before leaving it behind.
SHUTDOWN_JOIN = 2.0
# Keys of metrics.json that describe the training data rather than measure the model.
TRAINING_DATA_KEYS = ("training_data", "data", "dataset", "corpus")


class ModelState:
    """The analyzer the service answers with, swappable while requests are in flight.

    This is the hook for an admin reload: load the new `Analyzer` off the event loop (e.g. with
    `asyncio.to_thread(Analyzer.load, path)`) and call `replace()`. Requests that started before
    keep the analyzer they took; requests that start after get the new one.
    """

    def __init__(self, on_change: Callable[[Analyzer], None] | None = None) -> None:
        self._analyzer: Analyzer | None = None
        self._lock = threading.Lock()
        self._on_change = on_change
        self.generation = 0
        self.loaded_at: float | None = None

    @property
    def ready(self) -> bool:
        return self._analyzer is not None

    def peek(self) -> Analyzer | None:
        """The current analyzer, or None before the first load (never raises)."""
        return self._analyzer

    def current(self) -> Analyzer:
        analyzer = self._analyzer
        if analyzer is None:
            raise ApiError(503, "not_ready", "the model is not loaded yet", {"Retry-After": "5"})
        return analyzer

    def replace(self, analyzer: Analyzer) -> Analyzer | None:
        """Serve `analyzer` from now on; returns the one it replaces (None at first load)."""
        with self._lock:
            previous, self._analyzer = self._analyzer, analyzer
            self.generation += 1
            self.loaded_at = time.time()
        if self._on_change is not None:
            self._on_change(analyzer)
        return previous


# ------------------------------------------------------------------------- loading and reloading

# A short text every freshly loaded model must analyse before it serves anyone.
CHECK_TEXT = "The reckless regime lied again. Officials met on Monday."


def load_analyzer(model_dir: Path | None, threads: int | None = None) -> Analyzer:
    """Resolve, load and check a model: it must analyse `CHECK_TEXT` before it is handed out."""
    analyzer = Analyzer.load(ModelFolder.resolve(model_dir), threads=threads)
    analyzer.analyze(CHECK_TEXT)
    return analyzer


def describe_load_error(error: BaseException) -> str:
    if isinstance(error, (ModelLoadError, RegistryError, OSError)):
        return clean(error, 1000)
    return clean(f"{type(error).__name__}: {error}", 1000)


def describe_model(analyzer: Analyzer) -> ModelResponse:
    metrics = {}
    try:
        metrics = analyzer.metrics
    except (OSError, ValueError, ModelLoadError):
        log.warning("could not read the model's metrics", exc_info=True)
    if not isinstance(metrics, dict):
        metrics = {"value": metrics}
    training_data = next((metrics[key] for key in TRAINING_DATA_KEYS if key in metrics), None)
    validation = {key: value for key, value in metrics.items() if key not in TRAINING_DATA_KEYS}
    encoder = model_card = None
    if analyzer.directory is not None:
        folder = ModelFolder(analyzer.directory)
        try:
            encoder = folder.manifest().encoder if (folder.path / MANIFEST).is_file() else None
            model_card = folder.model_card()
        except ModelLoadError:
            log.warning("could not read the model's manifest or card", exc_info=True)
    return ModelResponse(name=analyzer.info.name, version=analyzer.info.version, encoder=encoder,
                         operating_points=list(analyzer.operating_points),
                         training_data=training_data, validation_metrics=validation, model_card=model_card)


def _release_freed_memory() -> None:
    """Give memory freed by a replaced model back to the system. Without this, glibc keeps the
    freed pages of each load in its arenas, and the process grew by several MB per reload
    (measured: 721 to 840 MB over 14 reloads of the shipped model)."""
    gc.collect()
    name = ctypes.util.find_library("c")
    if name is None:
        return
    try:
        trim = ctypes.CDLL(name).malloc_trim
    except (OSError, AttributeError):  # not glibc (macOS, musl): nothing to trim
        return
    trim(0)


class ModelReloader:
    """Loads the model again from `settings.model_dir` and swaps it into the `ModelState`.

    One reload at a time (a second waits for the first, then loads again). The load runs in a
    worker thread; the swap is `ModelState.replace`, so requests already running finish on the old
    model. Any failure (nothing promoted, a missing or broken directory, a model that cannot analyse
    the check text) leaves the current model in place and raises a 409 `ApiError` saying why.
    """

    def __init__(self, settings: Settings, state: ModelState, metrics: ServiceMetrics) -> None:
        self.settings = settings
        self.state = state
        self.metrics = metrics
        self.reloads = 0
        self.last_error: str | None = None
        self._lock = threading.Lock()
        # One thread loads every model: loads spread over many threads leave freed memory in a
        # malloc arena per thread.
        self._loader = ThreadPoolExecutor(1, thread_name_prefix="framing-reload")

    def reload_blocking(self) -> ReloadResponse:
        with self._lock:
            started = time.perf_counter()
            try:
                analyzer = load_analyzer(self.settings.model_dir, self.settings.threads)
            except Exception as error:
                self.metrics.reloads.labels(outcome="failed").inc()
                self.last_error = describe_load_error(error)
                current = self.state.peek()
                serving = f"{current.info.name} {current.info.version}" if current else "nothing yet"
                log.error("model reload failed; still serving %s: %s", serving, self.last_error,
                          exc_info=not isinstance(error, (ModelLoadError, RegistryError, OSError)))
                raise ApiError(409, "reload_failed",
                               f"reload failed; still serving {serving}: {self.last_error}") from error
            self.reloads += 1  # counted with the swap, before the slower clean-up below
            previous = self.state.replace(analyzer)
            self.last_error = None
            self.metrics.reloads.labels(outcome="ok").inc()
            old = previous.info if previous is not None else analyzer.info
            del previous  # freed here, unless a request still runs on it
            _release_freed_memory()
            seconds = time.perf_counter() - started
            log.info("model reloaded in %.1fs: %s %s (was %s %s)", seconds, analyzer.info.name,
                     analyzer.info.version, old.name, old.version)
            return ReloadResponse(status="reloaded", model=analyzer.info, previous=old, reloads=self.reloads,
                                  seconds=round(seconds, 3))

    async def reload(self) -> ReloadResponse:
        return await asyncio.get_running_loop().run_in_executor(self._loader, self.reload_blocking)

    def close(self) -> None:
        self._loader.shutdown(wait=False, cancel_futures=True)


# ------------------------------------------------------------------------------------ the runtime

@dataclass
class Runtime:
    """Everything one app instance holds; the `deps` module hands its parts to the endpoints."""

    settings: Settings
    state: ModelState
    pool: InferencePool
    metrics: ServiceMetrics
    reloader: ModelReloader
    feedback: FeedbackService
    admin_failures: FailureLimiter
    body_counter: BodyCounter  # the request guard's helper process, ended with the app

    @classmethod
    def create(cls, settings: Settings, analyzer: Analyzer | None = None) -> Runtime:
        metrics = ServiceMetrics()
        state = ModelState(on_change=lambda a: metrics.set_model(a.info))
        if analyzer is not None:
            state.replace(analyzer)
        return cls(settings=settings, state=state, metrics=metrics,
                   pool=InferencePool(settings.workers, settings.queue_size, settings.retry_after, metrics,
                                      timeout=settings.request_timeout),
                   reloader=ModelReloader(settings, state, metrics),
                   feedback=FeedbackService(settings.feedback_db, metrics),
                   admin_failures=FailureLimiter(settings.admin_failures), body_counter=BodyCounter())


def lifespan_for(runtime: Runtime, *, reload_on_sighup: bool
                 ) -> Callable[[FastAPI], AbstractAsyncContextManager[None]]:
    """Start-up and shut-down of the app: load the model if none was given, start the pool, and
    (for `framing serve`, which runs in the main thread) reload the model on SIGHUP."""
    settings, state, reloader = runtime.settings, runtime.state, runtime.reloader

    async def reload_on_signal() -> None:
        with contextlib.suppress(ApiError):  # logged by the reloader; the current model keeps serving
            await reloader.reload()

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        if not state.ready:
            log.info("loading model from %s", settings.model_dir or "the shipped model directory")
            state.replace(await asyncio.to_thread(load_analyzer, settings.model_dir, settings.threads))
        info = state.current().info
        log.info("serving %s %s", info.name, info.version)
        runtime.pool.start()
        loop = asyncio.get_running_loop()
        tasks: set[asyncio.Task] = set()
        sighup = reload_on_sighup and hasattr(signal, "SIGHUP")

        def on_sighup() -> None:
            log.info("SIGHUP: reloading the model from %s", settings.model_dir or "the shipped model directory")
            task = loop.create_task(reload_on_signal())
            tasks.add(task)
            task.add_done_callback(tasks.discard)

        if sighup:
            loop.add_signal_handler(signal.SIGHUP, on_sighup)
        try:
            yield
        finally:
            if sighup:
                loop.remove_signal_handler(signal.SIGHUP)
            for task in list(tasks):
                await asyncio.wait([task], timeout=60)
            # Requests still waiting are answered 503 now; a model pass still running is left to
            # its daemon thread after a short wait, so the process ends within its grace period.
            runtime.pool.shutdown(grace=min(settings.shutdown_grace, SHUTDOWN_JOIN))
            runtime.feedback.close()
            reloader.close()
            runtime.body_counter.close()  # else its spawned process outlives the server

    return lifespan
