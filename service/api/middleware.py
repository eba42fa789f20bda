"""ASGI layers around the app: the request guard (before FastAPI reads a body) and request metrics."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from fastapi import FastAPI
from fastapi.responses import Response
from fastapi.routing import APIRoute
from starlette.routing import Match
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from framing.service.api.errors import clean, error_response
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
            shown = clean(content_type, 100) or "none"
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


def install_middleware(app: FastAPI, settings: Settings, metrics: ServiceMetrics, routes: Sequence[Any]) -> None:
    """Add the layers. `routes` are the routers' own routes: the guard matches a request against them
    (FastAPI may wrap included routers, hiding their routes from `app.router.routes`), so the
    routers must be included without a prefix."""
    # Outermost last: metrics see every answer, including the guard's 413/415.
    app.add_middleware(RequestGuard, routes=routes, settings=settings)
    app.add_middleware(RequestMetricsMiddleware, metrics=metrics)
