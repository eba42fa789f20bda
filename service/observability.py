"""Prometheus metrics of the service, exposed at `GET /metrics`.

Each app gets its own registry (several apps in one test process never collide). Series:

- `framing_http_requests_total{endpoint,method,status}` and
  `framing_http_request_duration_seconds{endpoint,method,status}`: every request, by route
  template (`/v1/analyze`, not the raw path, so the label set stays small; unknown paths count as
  `unmatched`; a client that disconnected before its answer counts as status 499).
- `framing_inference_seconds{endpoint}`: time in the model (scoring + decoding) per call.
- `framing_documents_analysed_total{endpoint}`, `framing_characters_analysed_total{endpoint}`.
- `framing_inference_pending`: calls running or waiting in the worker pool;
  `framing_inference_rejected_total`: calls turned away with 503 because the queue was full.
- `framing_model_info{name,version}`: 1 for the model being served.
- `framing_model_reloads_total{outcome}`: reloads (`POST /v1/admin/reload` or SIGHUP), `ok` or
  `failed` (a failed reload keeps the previous model); `framing_model_loaded_timestamp_seconds`:
  when the model being served was loaded.
- `framing_annotations_total{outcome}`: `POST /v1/annotations` calls by outcome (`stored`,
  `unchanged`, `invalid`, `conflict`, `error`).
"""

from __future__ import annotations

import time

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from framing.model.schema import ModelInfo

_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
# The status counted for a request answered with nothing because its client disconnected first
# (mid-body, or while its analysis ran): nginx's "client closed request", not a server failure.
CLIENT_CLOSED = 499
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0)


class ServiceMetrics:
    content_type = CONTENT_TYPE_LATEST

    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        labels = ("endpoint", "method", "status")
        self.requests = Counter("framing_http_requests", "HTTP requests answered.", labels,
                                registry=self.registry)
        self.latency = Histogram("framing_http_request_duration_seconds", "Time to answer an HTTP request.",
                                 labels, buckets=LATENCY_BUCKETS, registry=self.registry)
        self.inference = Histogram("framing_inference_seconds", "Time in the model per call.", ("endpoint",),
                                   buckets=LATENCY_BUCKETS, registry=self.registry)
        self.documents = Counter("framing_documents_analysed", "Documents analysed.", ("endpoint",),
                                 registry=self.registry)
        self.characters = Counter("framing_characters_analysed", "Characters analysed.", ("endpoint",),
                                  registry=self.registry)
        self.pending = Gauge("framing_inference_pending", "Inference calls running or queued.",
                             registry=self.registry)
        self.rejected = Counter("framing_inference_rejected", "Inference calls refused (503, queue full).",
                                registry=self.registry)
        self.model = Gauge("framing_model_info", "The model being served (value 1).", ("name", "version"),
                           registry=self.registry)
        self.reloads = Counter("framing_model_reloads", "Model reloads, by outcome.", ("outcome",),
                               registry=self.registry)
        self.loaded_at = Gauge("framing_model_loaded_timestamp_seconds", "When the served model was loaded.",
                               registry=self.registry)
        self.annotations = Counter("framing_annotations", "Annotation feedback received, by outcome.",
                                   ("outcome",), registry=self.registry)

    def set_model(self, info: ModelInfo) -> None:
        self.model.clear()
        self.model.labels(name=info.name, version=info.version).set(1)
        self.loaded_at.set_to_current_time()

    def observe_inference(self, endpoint: str, seconds: float, texts: list[str]) -> None:
        self.inference.labels(endpoint=endpoint).observe(seconds)
        self.documents.labels(endpoint=endpoint).inc(len(texts))
        self.characters.labels(endpoint=endpoint).inc(sum(len(text) for text in texts))

    def render(self) -> bytes:
        return generate_latest(self.registry)


class RequestMetricsMiddleware:
    """Counts and times every HTTP request by route template, method and status (outermost layer)."""

    def __init__(self, app: ASGIApp, metrics: ServiceMetrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = CLIENT_CLOSED  # no answer at all: the client went away before one could be sent

        async def send_and_record(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, send_and_record)
        except BaseException:
            if status == CLIENT_CLOSED:
                status = 500
            raise
        finally:
            route = scope.get("route")
            endpoint = getattr(route, "path", None) or "unmatched"
            method = scope.get("method", "")
            labels = {"endpoint": endpoint, "method": method if method in _METHODS else "other",
                      "status": str(status)}
            self.metrics.requests.labels(**labels).inc()
            self.metrics.latency.labels(**labels).observe(time.perf_counter() - started)
