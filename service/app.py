"""The HTTP service: FastAPI app factory, model state, bounded inference pool, error handling.

`create_app(settings)` builds the app; the model loads once, in the lifespan, unless an already
loaded `Analyzer` is handed in (the `serve` command loads it first so a bad model directory fails
with a clear message; tests share one loaded model). Run it with `framing serve`, or with
`uvicorn --factory service.app:create_app` (settings from `FRAMING_*` variables).

Inference runs in a small thread pool off the event loop. At most `workers` model passes run at
once and at most `queue_size` more wait; beyond that the answer is 503 with `Retry-After`, so a
burst never piles up unbounded work. The app holds its `Analyzer` in a `ModelState`: every request
takes the analyzer current when it starts and keeps it to the end, so `ModelState.replace()` can
swap in a reloaded model at any time without failing or dropping requests in flight.

`settings.model_dir` may be a model directory or a model registry (`training.registry`), whose
promoted version is served. `POST /v1/admin/reload` (behind `FRAMING_ADMIN_KEY`), or SIGHUP when run
by `framing serve`, resolves that path again, loads and checks the new model in a thread, then swaps
it in; a reload that fails leaves the current model serving. `POST /v1/annotations` stores user
corrections in the feedback database (`training.feedback_store`), written from a thread.
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import json
import logging
import re
import signal
import sqlite3
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

from fastapi import Body, Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, JSONResponse, Response
from fastapi.routing import APIRoute
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer
from fastapi.staticfiles import StaticFiles
from fastapi_offline import FastAPIOffline
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from framing.model.analyzer import Analyzer, EmptyTextError
from framing.model.filtering import filter_analysis
from framing.model.folder import ModelFolder, ModelLoadError, RegistryError
from framing.model.layout import MANIFEST
from framing.model.schema import Analysis
from framing.model.taxonomy import FRAME_LABELS, TECHNIQUE_LABELS
from framing.service.api_schemas import (
    EXAMPLE_ANALYSIS,
    EXAMPLE_TEXT,
    AnalyzeOptions,
    AnalyzeRequest,
    AnnotationRequest,
    AnnotationResponse,
    BatchRequest,
    BatchResponse,
    ErrorResponse,
    HealthResponse,
    LabelInfo,
    LabelsResponse,
    ModelResponse,
    ReadyResponse,
    ReloadResponse,
)
from framing.service.observability import RequestMetricsMiddleware, ServiceMetrics
from framing.service.settings import Settings
from framing.training.feedback_store import FeedbackConflict, FeedbackStore, InvalidFeedback

log = logging.getLogger("framing.service")

STATIC_DIR = Path(__file__).resolve().parent / "static"
# Keys of metrics.json that describe the training data rather than measure the model.
TRAINING_DATA_KEYS = ("training_data", "data", "dataset", "corpus")
PAGE_SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; style-src 'self'; "
                               "script-src 'self'; connect-src 'self'; base-uri 'none'; "
                               "form-action 'self'; frame-ancestors 'none'",
    "Referrer-Policy": "no-referrer",
}


# --------------------------------------------------------------------------------------- errors

class ApiError(Exception):
    """An answer other than 200 that the API means to give: status, stable code, message."""

    def __init__(self, status: int, code: str, message: str, headers: dict[str, str] | None = None,
                 errors: Sequence[dict] = ()) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.headers = headers or {}
        self.errors = list(errors)


def _clean(value: object, limit: int = 300) -> str:
    """Safe to put in a JSON answer: no lone surrogates, bounded length."""
    text = str(value).encode("utf-8", "backslashreplace").decode("utf-8")
    return text if len(text) <= limit else text[: limit - 1] + "…"


def error_response(status: int, code: str, detail: str, errors: Sequence[dict] = (),
                   headers: dict[str, str] | None = None) -> JSONResponse:
    body = {"detail": _clean(detail, 2000), "code": code, "errors": list(errors)}
    return JSONResponse(body, status_code=status, headers=headers)


def describe_validation_errors(errors: Sequence[dict]) -> tuple[str, list[dict]]:
    """FastAPI/pydantic errors as `field: message` pairs, the field a dotted path into the body."""
    described = []
    for error in errors:
        loc = [str(part) for part in error.get("loc", ())]
        if loc and loc[0] == "body":
            loc = loc[1:]
        kind = str(error.get("type", "invalid"))
        message = str(error.get("msg", "invalid"))
        if kind == "json_invalid":
            reason = (error.get("ctx") or {}).get("error", "")
            where = f" at position {loc[0]}" if loc else ""
            field, message = "body", f"not valid JSON{where}: {reason}".rstrip(": ")
        elif kind == "missing" and not loc:
            field, message = "body", "a JSON object is required"
        else:
            field = ".".join(loc) or "body"
        described.append({"field": _clean(field, 200), "message": _clean(message), "type": _clean(kind, 60)})
    summary = "; ".join(f"{item['field']}: {item['message']}" for item in described[:5])
    if len(described) > 5:
        summary += f"; and {len(described) - 5} more"
    return summary or "invalid request", described


def text_problem(text: str, max_chars: int, field: str) -> ApiError | None:
    """What is wrong with a text the schema accepted: too long (413) or nothing in it (422)."""
    if len(text) > max_chars:
        return ApiError(413, "text_too_long",
                        f"{field}: text is {len(text):,} characters; the limit is {max_chars:,}")
    if not text.strip():
        return ApiError(422, "empty_text", f"{field}: text is empty")
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as error:  # JSON can carry "\ud800"; no real text holds one
        return ApiError(422, "invalid_text",
                        f"{field}: unpaired UTF-16 surrogate at position {error.start}")
    return None


# ---------------------------------------------------------------------------------- model state

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


def model_directory(model_dir: Path | None) -> Path:
    """The directory to load for `model_dir`: a registry's promoted version, the folder itself, or the
    shipped model when None. Raises RegistryError for a registry with nothing (valid) promoted."""
    return ModelFolder.resolve(model_dir, check=False).path


def load_analyzer(model_dir: Path | None, threads: int | None = None) -> Analyzer:
    """Resolve, load and check a model: it must analyse `CHECK_TEXT` before it is handed out."""
    analyzer = Analyzer.load(ModelFolder.resolve(model_dir), threads=threads)
    analyzer.analyze(CHECK_TEXT)
    return analyzer


def describe_load_error(error: BaseException) -> str:
    if isinstance(error, (ModelLoadError, RegistryError, OSError)):
        return _clean(error, 1000)
    return _clean(f"{type(error).__name__}: {error}", 1000)


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
            previous = self.state.replace(analyzer)
            self.reloads += 1
            self.last_error = None
            self.metrics.reloads.labels(outcome="ok").inc()
            seconds = time.perf_counter() - started
            old = previous.info if previous is not None else analyzer.info
            log.info("model reloaded in %.1fs: %s %s (was %s %s)", seconds, analyzer.info.name,
                     analyzer.info.version, old.name, old.version)
            return ReloadResponse(status="reloaded", model=analyzer.info, previous=old, reloads=self.reloads,
                                  seconds=round(seconds, 3))

    async def reload(self) -> ReloadResponse:
        return await asyncio.to_thread(self.reload_blocking)


# ---------------------------------------------------------------------------------- feedback

class FeedbackService:
    """The feedback database, opened on the first annotation (so merely serving creates no file)."""

    def __init__(self, path: Path, metrics: ServiceMetrics) -> None:
        self.path = path
        self.metrics = metrics
        self._store: FeedbackStore | None = None
        self._lock = threading.Lock()

    def store(self) -> FeedbackStore:
        with self._lock:
            if self._store is None:
                try:
                    self._store = FeedbackStore(self.path)
                except (OSError, sqlite3.Error, RuntimeError) as error:
                    log.error("cannot open the feedback database %s: %s", self.path, error)
                    raise ApiError(503, "feedback_unavailable",
                                   f"the feedback database cannot be opened: {_clean(error)}",
                                   {"Retry-After": "30"}) from error
            return self._store

    def close(self) -> None:
        with self._lock:
            store, self._store = self._store, None
        if store is not None:
            store.close()

    def add(self, request: AnnotationRequest, model_version: str | None) -> tuple[str, bool]:
        """Store one correction (blocking); returns (id, created). Raises ApiError 422/409/503."""
        store = self.store()
        try:
            existed = request.id is not None and store.get(request.id) is not None
            stored_id = store.add(request.text, request.spans, request.frames, model_version, id=request.id)
        except FeedbackConflict as error:
            self.metrics.annotations.labels(outcome="conflict").inc()
            raise ApiError(409, "annotation_conflict", str(error)) from error
        except InvalidFeedback as error:
            self.metrics.annotations.labels(outcome="invalid").inc()
            raise InvalidAnnotation(error.reasons) from error
        except sqlite3.Error as error:
            self.metrics.annotations.labels(outcome="error").inc()
            log.error("storing an annotation in %s failed: %s", self.path, error)
            raise ApiError(503, "feedback_unavailable", f"the annotation was not stored: {_clean(error)}",
                           {"Retry-After": "5"}) from error
        created = not existed
        self.metrics.annotations.labels(outcome="stored" if created else "unchanged").inc()
        return stored_id, created


_SPAN_REASON = re.compile(r"^span (\d+): ")


class InvalidAnnotation(ApiError):
    """422 listing every reason the feedback validator gave, each with the field it concerns."""

    def __init__(self, reasons: Sequence[str]) -> None:
        errors = []
        for reason in reasons:
            match = _SPAN_REASON.match(reason)
            if match:
                field, message = f"spans.{int(match.group(1)) - 1}", reason[match.end():]
            elif reason.startswith(("unknown frame", "frames ")):
                field, message = "frames", reason
            elif reason.startswith(("text ", "id ", "model_version ")):
                field, message = reason.split(" ", 1)[0], reason
            else:
                field, message = "body", reason
            errors.append({"field": field, "message": _clean(message), "type": "invalid_annotation"})
        summary = "; ".join(f"{item['field']}: {item['message']}" for item in errors[:5])
        if len(errors) > 5:
            summary += f"; and {len(errors) - 5} more"
        super().__init__(422, "invalid_annotation", summary or "invalid annotation", errors=errors)


# ------------------------------------------------------------------------------- inference pool

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


# --------------------------------------------------------------------------------- request guard

def _json_media_type(value: str) -> bool:
    media, _, parameters = value.partition(";")
    media = media.strip().lower()
    if media != "application/json" and not (media.startswith("application/") and media.endswith("+json")):
        return False
    for parameter in parameters.split(";"):
        key, _, val = parameter.partition("=")
        if key.strip().lower() == "charset" and val.strip().strip('"').lower() not in ("utf-8", "utf8"):
            return False
    return True


class RequestGuard:
    """Checks requests to JSON endpoints before FastAPI reads them: 415 unless the body is declared
    JSON, 413 when it is larger than any valid request could be (without buffering more than that),
    422 when it is not UTF-8. Also sets security headers on the web page."""

    def __init__(self, app: ASGIApp, routes: Sequence[Any], settings: Settings) -> None:
        self.app = app
        self.routes = routes
        self.max_body = settings.max_body_bytes

    def _json_route(self, scope: Scope) -> Any:
        for route in self.routes:
            if isinstance(route, APIRoute) and route.body_field is not None:
                match, _ = route.matches(scope)
                if match == Match.FULL:
                    return route
        return None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if scope["path"] == "/" and scope["method"] == "GET":
            await self.app(scope, receive, self._with_page_headers(send))
            return
        route = self._json_route(scope)
        if route is None:
            await self.app(scope, receive, send)
            return

        def reject(status: int, code: str, detail: str) -> Response:
            scope["route"] = route  # so the request metrics name the endpoint
            return error_response(status, code, detail)

        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        content_type = headers.get("content-type", "")
        if not _json_media_type(content_type):
            shown = _clean(content_type, 100) or "none"
            await reject(415, "unsupported_media_type",
                         f"Content-Type must be application/json (UTF-8), not {shown}")(scope, receive, send)
            return
        length = headers.get("content-length", "")
        if length.isdigit() and int(length) > self.max_body:
            await reject(413, "body_too_large",
                         f"request body is {int(length):,} bytes; the limit is {self.max_body:,}")(
                             scope, receive, send)
            return

        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_body:
                detail = f"request body exceeds the limit of {self.max_body:,} bytes"
                await reject(413, "body_too_large", detail)(scope, receive, send)
                return
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        body = b"".join(chunks)
        try:
            body.decode("utf-8")
        except UnicodeDecodeError as error:
            await reject(422, "invalid_request",
                         f"body: not valid UTF-8 (byte {error.start})")(scope, receive, send)
            return

        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)

    @staticmethod
    def _with_page_headers(send: Send) -> Send:
        async def wrapped(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                headers += [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in
                            PAGE_SECURITY_HEADERS.items()]
                headers.append((b"x-content-type-options", b"nosniff"))
                message = {**message, "headers": headers}
            await send(message)
        return wrapped


# ------------------------------------------------------------------------------------ the work

@dataclass
class Services:
    settings: Settings
    state: ModelState
    pool: InferencePool
    metrics: ServiceMetrics
    reloader: ModelReloader
    feedback: FeedbackService


def _options(options: AnalyzeOptions | None) -> AnalyzeOptions:
    return options if options is not None else AnalyzeOptions()


def _filtered(analysis: Analysis, options: AnalyzeOptions) -> Analysis:
    if options.techniques is None and options.min_score is None and options.sentences:
        return analysis  # nothing to filter: skip the copy
    return filter_analysis(analysis, options.techniques, options.min_score, options.sentences)


def _analyze_one(services: Services, analyzer: Analyzer, text: str, document_id: str | None,
                 options: AnalyzeOptions) -> bytes:
    started = time.perf_counter()
    analysis = analyzer.analyze(text, document_id)
    services.metrics.observe_inference("/v1/analyze", time.perf_counter() - started, [text])
    return _filtered(analysis, options).model_dump_json().encode("utf-8")


def _analyze_batch(services: Services, analyzer: Analyzer, items: list[tuple[int, str, str | None]],
                   options: AnalyzeOptions) -> dict[int, Analysis | ApiError]:
    """One batched model pass; if it fails, each document alone, so one bad text fails only itself."""
    if not items:
        return {}
    texts = [text for _, text, _ in items]
    started = time.perf_counter()
    results: dict[int, Analysis | ApiError] = {}
    try:
        analyses = analyzer.analyze_many(texts, [document_id for _, _, document_id in items])
        results = {index: _filtered(a, options) for (index, _, _), a in zip(items, analyses, strict=True)}
    except Exception:
        log.warning("batched analysis failed; retrying document by document", exc_info=True)
        for index, text, document_id in items:
            try:
                results[index] = _filtered(analyzer.analyze(text, document_id), options)
            except EmptyTextError as error:
                results[index] = ApiError(422, "empty_text", f"documents.{index}.text: {error}")
            except Exception:
                log.exception("analysis of batch document %d failed", index)
                results[index] = ApiError(500, "internal_error", "analysis failed for this document")
    services.metrics.observe_inference("/v1/analyze/batch", time.perf_counter() - started, texts)
    return results


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
                         training_data=training_data, validation_metrics=validation, model_card=model_card)


LABELS = LabelsResponse(
    technique_categories=list(dict.fromkeys(label.category for label in TECHNIQUE_LABELS)),
    techniques=[LabelInfo(name=x.name, category=x.category, definition=x.definition)
                for x in TECHNIQUE_LABELS],
    frames=[LabelInfo(name=x.name, category=x.category, definition=x.definition) for x in FRAME_LABELS],
)

ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    413: {"model": ErrorResponse, "description": "Text (or batch) over the configured limit."},
    415: {"model": ErrorResponse, "description": "Content-Type is not application/json."},
    422: {"model": ErrorResponse, "description": "Malformed JSON, a field that breaks the schema "
                                                 "(named in `detail`), or empty text."},
    503: {"model": ErrorResponse, "description": "Queue full (see Retry-After) or model not loaded."},
}

ADMIN_RESPONSES: dict[int | str, dict[str, Any]] = {
    401: {"model": ErrorResponse, "description": "No API key given."},
    403: {"model": ErrorResponse, "description": "Wrong API key, or admin endpoints disabled "
                                                 "(FRAMING_ADMIN_KEY not set)."},
    409: {"model": ErrorResponse, "description": "The new model could not be loaded; the previous one "
                                                 "is still serving. `detail` says why."},
}

ANNOTATION_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {"model": AnnotationResponse, "description": "This id already holds exactly this correction."},
    409: {"model": ErrorResponse, "description": "The id is already stored with different content."},
    413: ERROR_RESPONSES[413],
    415: ERROR_RESPONSES[415],
    422: {"model": ErrorResponse, "description": "Malformed request, or an annotation the validator refuses "
                                                 "(offsets outside the text, unknown labels, span text that "
                                                 "does not match): `errors` lists every reason."},
    503: {"model": ErrorResponse, "description": "The feedback database cannot be written right now."},
}

BEARER = HTTPBearer(auto_error=False, scheme_name="AdminBearer",
                    description="The admin key (FRAMING_ADMIN_KEY) as a bearer token.")
API_KEY = APIKeyHeader(name="X-API-Key", auto_error=False, scheme_name="AdminApiKey",
                       description="The admin key (FRAMING_ADMIN_KEY).")


def check_admin_key(settings: Settings, bearer: HTTPAuthorizationCredentials | None, api_key: str | None) -> None:
    expected = settings.admin_key.get_secret_value() if settings.admin_key is not None else ""
    if not expected:
        raise ApiError(403, "admin_disabled",
                       "admin endpoints are disabled; set FRAMING_ADMIN_KEY in the service's environment "
                       "to enable them")
    given = bearer.credentials if bearer is not None else api_key
    if not given:
        raise ApiError(401, "unauthorized",
                       "an API key is required: send 'Authorization: Bearer KEY' or 'X-API-Key: KEY'",
                       {"WWW-Authenticate": "Bearer"})
    if not hmac.compare_digest(given.encode("utf-8"), expected.encode("utf-8")):
        raise ApiError(403, "forbidden", "wrong API key")


ANNOTATION_EXAMPLES = {
    "corrected": {"summary": "A corrected annotation",
                  "value": AnnotationRequest.model_config["json_schema_extra"]["examples"][0]},
    "no_techniques": {"summary": "Text that uses no technique, frames not annotated",
                      "value": {"text": "Officials said the budget would be published next week.", "spans": []}},
}

ANALYZE_EXAMPLES = {
    "plain": {"summary": "Just the text", "value": {"text": EXAMPLE_TEXT}},
    "filtered": {"summary": "Only two techniques, confident ones, no sentence breakdown",
                 "value": {"text": EXAMPLE_TEXT, "id": "note-17",
                           "options": {"techniques": ["Loaded_Language", "Name_Calling-Labeling"],
                                       "min_score": 0.6, "sentences": False}}},
}


# ------------------------------------------------------------------------------------ the app

def create_app(settings: Settings | None = None, analyzer: Analyzer | None = None, *,
               reload_on_sighup: bool = False) -> FastAPI:
    """The service. Without `analyzer`, the model in `settings.model_dir` loads at start-up.

    `reload_on_sighup` installs a SIGHUP handler on the server's event loop while the app runs
    (`framing serve` sets it; it needs the main thread, so in-process test clients leave it off).
    """
    settings = settings if settings is not None else Settings.from_env()
    metrics = ServiceMetrics()
    state = ModelState(on_change=lambda a: metrics.set_model(a.info))
    pool = InferencePool(settings.workers, settings.queue_size, settings.retry_after, metrics)
    reloader = ModelReloader(settings, state, metrics)
    feedback = FeedbackService(settings.feedback_db, metrics)
    services = Services(settings=settings, state=state, pool=pool, metrics=metrics, reloader=reloader,
                        feedback=feedback)
    if analyzer is not None:
        state.replace(analyzer)

    async def reload_on_signal() -> None:
        with contextlib.suppress(ApiError):  # logged by the reloader; the current model keeps serving
            await reloader.reload()

    @asynccontextmanager
    async def lifespan(_app: FastAPI):
        if not state.ready:
            log.info("loading model from %s", settings.model_dir or "the shipped model directory")
            state.replace(await asyncio.to_thread(load_analyzer, settings.model_dir, settings.threads))
        info = state.current().info
        log.info("serving %s %s", info.name, info.version)
        pool.start()
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
            pool.shutdown()
            feedback.close()

    # The /docs and /redoc pages serve their scripts from the installed package, not a CDN, so they
    # work behind a firewall like the rest of the service.
    app = FastAPIOffline(
        title="Framing analysis",
        version="1",
        summary="Persuasion techniques and news frames in text, sentence by sentence, with exact spans.",
        description="Offsets are Python string indices (Unicode code points) into the text as sent; "
                    "`end` is exclusive. Every list holds only what the model asserts, highest score first. "
                    "Errors answer `{detail, code, errors}`; `detail` names the offending field.",
        lifespan=lifespan,
    )
    app.state.framing = services

    # ---------------------------------------------------------------- error handlers

    @app.exception_handler(ApiError)
    async def _api_error(_request: Request, error: ApiError) -> JSONResponse:
        return error_response(error.status, error.code, error.message, error.errors, headers=error.headers)

    @app.exception_handler(RequestValidationError)
    async def _invalid(_request: Request, error: RequestValidationError) -> JSONResponse:
        summary, described = describe_validation_errors(error.errors())
        return error_response(422, "invalid_request", summary, described)

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(_request: Request, error: StarletteHTTPException) -> JSONResponse:
        if error.status_code == 400 and error.detail == "There was an error parsing the body":
            return error_response(422, "invalid_request", "body: not valid JSON (UTF-8 expected)",
                                  [{"field": "body", "message": "not valid JSON", "type": "json_invalid"}])
        code = {404: "not_found", 405: "method_not_allowed"}.get(error.status_code, "http_error")
        return error_response(error.status_code, code, str(error.detail), headers=error.headers)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, error: Exception) -> JSONResponse:
        log.exception("unhandled error answering %s %s", request.method, request.url.path, exc_info=error)
        return error_response(500, "internal_error", "internal error; see the service log")

    # ---------------------------------------------------------------- endpoints

    @app.post("/v1/analyze", response_model=Analysis, responses=ERROR_RESPONSES, tags=["analysis"],
              summary="Analyse one text",
              response_description="The Analysis: frames, techniques, sentences and spans.",
              openapi_extra={"responses": {"200": {"content": {"application/json": {
                  "example": EXAMPLE_ANALYSIS}}}}})
    async def analyze(
        request: Annotated[AnalyzeRequest, Body(openapi_examples=ANALYZE_EXAMPLES)],
    ) -> Response:
        problem = text_problem(request.text, settings.max_chars, "text")
        if problem is not None:
            raise problem
        body = await pool.run(_analyze_one, services, state.current(), request.text, request.id,
                              _options(request.options))
        return Response(body, media_type="application/json")

    @app.post("/v1/analyze/batch", response_model=BatchResponse, responses=ERROR_RESPONSES, tags=["analysis"],
              summary="Analyse several texts",
              description="One result per document, in order. A document that is empty or too long gets an "
                          "error entry with the status it would have had alone; the others are analysed.")
    async def analyze_batch(request: BatchRequest) -> Response:
        documents = request.documents
        if len(documents) > settings.max_batch:
            raise ApiError(413, "batch_too_large",
                           f"documents: {len(documents)} documents; the limit is {settings.max_batch}")
        options = _options(request.options)
        problems: dict[int, ApiError] = {}
        items: list[tuple[int, str, str | None]] = []
        for index, document in enumerate(documents):
            problem = text_problem(document.text, settings.max_chars, f"documents.{index}.text")
            if problem is not None:
                problems[index] = problem
            else:
                items.append((index, document.text, document.id))
        analysed = await pool.run(_analyze_batch, services, state.current(), items, options) if items else {}
        results = []
        for index, document in enumerate(documents):
            outcome = problems.get(index) or analysed[index]
            if isinstance(outcome, ApiError):
                results.append({"index": index, "id": document.id, "status": outcome.status, "analysis": None,
                                "error": {"code": outcome.code, "message": _clean(outcome.message, 2000)}})
            else:
                results.append({"index": index, "id": document.id, "status": 200,
                                "analysis": outcome.model_dump(mode="json"), "error": None})
        return Response(json.dumps({"results": results}, ensure_ascii=False).encode("utf-8"),
                        media_type="application/json")

    @app.get("/v1/labels", response_model=LabelsResponse, tags=["reference"],
             summary="The technique and frame taxonomy")
    async def labels() -> LabelsResponse:
        return LABELS

    @app.get("/v1/model", response_model=ModelResponse, responses={503: ERROR_RESPONSES[503]},
             tags=["reference"], summary="The model being served")
    async def model_info() -> ModelResponse:
        described = await asyncio.to_thread(describe_model, state.current())
        loaded_at = (datetime.fromtimestamp(state.loaded_at, UTC).isoformat(timespec="seconds")
                     if state.loaded_at else None)
        return described.model_copy(update={"loaded_at": loaded_at, "reloads": reloader.reloads})

    @app.post("/v1/admin/reload", response_model=ReloadResponse, responses=ADMIN_RESPONSES, tags=["operations"],
              summary="Load the model again (e.g. a newly promoted registry version)",
              description="Resolves the configured model path again (a registry's promoted version), "
                          "loads and checks the new model off the event loop, then swaps it in. Requests "
                          "already running finish on the old model; none is dropped. If loading fails, the "
                          "old model keeps serving and the answer is 409 with the reason. Needs the admin "
                          "key (FRAMING_ADMIN_KEY) as `Authorization: Bearer KEY` or `X-API-Key: KEY`. "
                          "`kill -HUP` on the `framing serve` process does the same.")
    async def admin_reload(
        bearer: Annotated[HTTPAuthorizationCredentials | None, Depends(BEARER)],
        api_key: Annotated[str | None, Depends(API_KEY)],
    ) -> ReloadResponse:
        check_admin_key(settings, bearer, api_key)
        return await reloader.reload()

    @app.post("/v1/annotations", status_code=201, response_model=AnnotationResponse,
              responses=ANNOTATION_RESPONSES, tags=["feedback"], summary="Store a corrected annotation",
              description="Stores a user's correction (spans of the 23 techniques, optionally the frames) "
                          "in the feedback database (FRAMING_FEEDBACK_DB), with the model version it "
                          "corrects. `framing annotations export` writes the stored corrections as JSONL "
                          "that `framing train --data` reads. A 201 means the correction is committed to "
                          "disk.")
    async def annotate(
        request: Annotated[AnnotationRequest, Body(openapi_examples=ANNOTATION_EXAMPLES)],
    ) -> JSONResponse:
        problem = text_problem(request.text, settings.max_chars, "text")
        if problem is not None:
            raise problem
        version = request.model_version
        if version is None and state.ready:
            version = state.current().info.version
        stored_id, created = await asyncio.to_thread(feedback.add, request, version)
        body = AnnotationResponse(id=stored_id, status="stored" if created else "unchanged", model_version=version)
        return JSONResponse(body.model_dump(), status_code=201 if created else 200)

    @app.get("/healthz", response_model=HealthResponse, tags=["operations"], summary="The process is up")
    async def healthz() -> HealthResponse:
        return HealthResponse()

    @app.get("/readyz", response_model=ReadyResponse, tags=["operations"],
             responses={503: {"model": ReadyResponse, "description": "Model not loaded yet."}},
             summary="The model is loaded and requests will be answered")
    async def readyz() -> JSONResponse:
        if not state.ready:
            return JSONResponse({"status": "loading", "model": None}, status_code=503)
        return JSONResponse({"status": "ready", "model": state.current().info.model_dump()})

    @app.get("/metrics", tags=["operations"], summary="Prometheus metrics",
             response_class=Response, responses={200: {"content": {"text/plain": {}}}})
    async def prometheus_metrics() -> Response:
        return Response(metrics.render(), media_type=metrics.content_type)

    @app.get("/", include_in_schema=False)
    async def page() -> FileResponse:
        return FileResponse(STATIC_DIR / "index.html", media_type="text/html")

    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")

    # Outermost last: metrics see every answer, including the guard's 413/415.
    app.add_middleware(RequestGuard, routes=app.router.routes, settings=settings)
    app.add_middleware(RequestMetricsMiddleware, metrics=metrics)
    return app
