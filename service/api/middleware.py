"""ASGI layers around the app: the request guard (before FastAPI reads a body) and request metrics.

The guard is what keeps one client from freezing the server: a body larger than any valid request
to its endpoint is refused from its Content-Length or as soon as it grows past the limit, a body
that does not arrive within `FRAMING_BODY_TIMEOUT` is refused (408), and a large batch body has its
documents counted in a helper process before FastAPI parses and validates it on the event loop.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence
from typing import Any

from fastapi import FastAPI
from fastapi.responses import Response
from fastapi.routing import APIRoute
from starlette.routing import Match
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from framing.service.api.errors import clean, error_response
from framing.service.api.limits import BodyCounter
from framing.service.observability import RequestMetricsMiddleware, ServiceMetrics
from framing.service.settings import Settings

PAGE_SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; style-src 'self'; "
                               "script-src 'self'; connect-src 'self'; base-uri 'none'; "
                               "form-action 'self'; frame-ancestors 'none'",
    "Referrer-Policy": "no-referrer",
}


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


# Batch bodies up to this size are parsed on the event loop by FastAPI without a count first: at
# most a few thousand tiny documents, parsed in milliseconds.
PRECOUNT_BYTES = 64 * 1024
# Refusals sent before the body was read to the end also close the connection, so the unread rest
# of the body is never taken for a next request.
CLOSE = {"Connection": "close"}


def _host_name(host: str) -> str:
    """The `Host` header without its port (`[::1]:8000` -> `::1`), lower case."""
    host = host.strip().lower()
    if host.startswith("["):
        return host[1:].partition("]")[0]
    return host.rpartition(":")[0] if host.count(":") == 1 else host


class RequestGuard:
    """Checks requests before FastAPI reads them: 400 for a `Host` not in FRAMING_ALLOWED_HOSTS
    (when set); for JSON endpoints 415 unless the body is declared JSON, 413 when it is larger than
    any valid request to that endpoint could be (without buffering more than that), 408 when it is
    not sent in time, 422 when it is not UTF-8. Also sets security headers on the web page."""

    def __init__(self, app: ASGIApp, routes: Sequence[Any], settings: Settings, counter: BodyCounter) -> None:
        self.app = app
        self.routes = routes
        self.settings = settings
        self.hosts = settings.host_names
        self.body_timeout = settings.body_timeout
        self.counter = counter

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
        if self.hosts and not self._host_allowed(scope):
            await error_response(400, "host_not_allowed", "this Host is not served here (FRAMING_ALLOWED_HOSTS)",
                                 headers=CLOSE)(scope, receive, send)
            return
        if scope["path"] == "/" and scope["method"] in ("GET", "HEAD"):
            await self.app(scope, receive, self._with_page_headers(send))
            return
        route = self._json_route(scope)
        if route is None:
            await self.app(scope, receive, send)
            return

        def reject(status: int, code: str, detail: str, headers: dict[str, str] | None = None,
                   errors: Sequence[dict] = ()) -> Response:
            scope["route"] = route  # so the request metrics name the endpoint
            return error_response(status, code, detail, errors, headers=headers)

        limit = self.settings.body_limit(route.path)

        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        content_type = headers.get("content-type", "")
        if not _json_media_type(content_type):
            shown = clean(content_type, 100) or "none"
            await reject(415, "unsupported_media_type",
                         f"Content-Type must be application/json (UTF-8), not {shown}")(scope, receive, send)
            return
        length = headers.get("content-length", "")
        if length.isdigit() and int(length) > limit:
            await reject(413, "body_too_large",
                         f"request body is {int(length):,} bytes; the limit of {route.path} is {limit:,}",
                         CLOSE)(scope, receive, send)
            return

        chunks: list[bytes] = []
        size = 0
        ends = time.monotonic() + self.body_timeout
        while True:
            try:
                message = await asyncio.wait_for(receive(), max(0.0, ends - time.monotonic()))
            except TimeoutError:
                await reject(408, "body_timeout", f"the request body did not arrive within "
                             f"{self.body_timeout:g} s (FRAMING_BODY_TIMEOUT)", CLOSE)(scope, receive, send)
                return
            if message["type"] == "http.disconnect":
                scope["route"] = route  # counted as a client that went away (499), not a failure
                return
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > limit:
                detail = f"request body exceeds the limit of {route.path}, {limit:,} bytes"
                await reject(413, "body_too_large", detail, CLOSE)(scope, receive, send)
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
        if route.path == "/v1/analyze/batch" and len(body) > PRECOUNT_BYTES:
            excess = await self.counter.problem(body, self.settings)
            if excess is not None:  # the endpoint's own refusal, word for word
                await reject(413, excess.code, excess.detail, errors=excess.errors)(scope, receive, send)
                return

        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)

    def _host_allowed(self, scope: Scope) -> bool:
        host = next((v.decode("latin-1") for k, v in scope["headers"] if k == b"host"), "")
        return _host_name(host) in self.hosts

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


def install_middleware(app: FastAPI, settings: Settings, metrics: ServiceMetrics, routes: Sequence[Any],
                       counter: BodyCounter) -> None:
    """Add the layers. `routes` are the routers' own routes: the guard matches a request against them
    (FastAPI may wrap included routers, hiding their routes from `app.router.routes`), so the
    routers must be included without a prefix."""
    # Outermost last: metrics see every answer, including the guard's 413/415.
    app.add_middleware(RequestGuard, routes=routes, settings=settings, counter=counter)
    app.add_middleware(RequestMetricsMiddleware, metrics=metrics)
