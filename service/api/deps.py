"""What endpoints depend on, as FastAPI `Depends` providers.

Endpoints declare the analyzer, settings or services they need instead of reaching into the app;
tests swap any of them with `app.dependency_overrides[provider] = ...`. The providers are
`async def` so FastAPI calls them on the event loop rather than in its thread pool.
"""

from __future__ import annotations

import hmac
from collections.abc import Awaitable, Callable
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer

from framing.model.analyzer import Analyzer
from framing.service.api.errors import ApiError
from framing.service.api.feedback import FeedbackService
from framing.service.api.pool import InferencePool
from framing.service.api.runtime import ModelReloader, ModelState, Runtime
from framing.service.observability import ServiceMetrics
from framing.service.settings import Settings

BEARER = HTTPBearer(auto_error=False, scheme_name="AdminBearer",
                    description="The admin key (FRAMING_ADMIN_KEY) as a bearer token.")
API_KEY = APIKeyHeader(name="X-API-Key", auto_error=False, scheme_name="AdminApiKey",
                       description="The admin key (FRAMING_ADMIN_KEY).")


async def get_runtime(request: Request) -> Runtime:
    return request.app.state.framing


async def get_settings(runtime: Annotated[Runtime, Depends(get_runtime)]) -> Settings:
    return runtime.settings


async def get_model_state(runtime: Annotated[Runtime, Depends(get_runtime)]) -> ModelState:
    return runtime.state


async def get_pool(runtime: Annotated[Runtime, Depends(get_runtime)]) -> InferencePool:
    return runtime.pool


async def get_metrics(runtime: Annotated[Runtime, Depends(get_runtime)]) -> ServiceMetrics:
    return runtime.metrics


async def get_reloader(runtime: Annotated[Runtime, Depends(get_runtime)]) -> ModelReloader:
    return runtime.reloader


async def get_feedback(runtime: Annotated[Runtime, Depends(get_runtime)]) -> FeedbackService:
    return runtime.feedback


async def current_analyzer(state: Annotated[ModelState, Depends(get_model_state)]) -> Analyzer:
    """The analyzer serving now; the request keeps it to the end even if a reload swaps it (503
    before the first load)."""
    return state.current()


async def require_admin(
    request: Request,
    runtime: Annotated[Runtime, Depends(get_runtime)],
    bearer: Annotated[HTTPAuthorizationCredentials | None, Depends(BEARER)],
    api_key: Annotated[str | None, Depends(API_KEY)],
) -> None:
    """The admin key, as `Authorization: Bearer KEY` or `X-API-Key: KEY`; 403 while none is set,
    429 for a client with too many failed attempts in the last minute."""
    settings = runtime.settings
    expected = settings.admin_key.get_secret_value() if settings.admin_key is not None else ""
    if not expected:
        raise ApiError(403, "admin_disabled",
                       "admin endpoints are disabled; set FRAMING_ADMIN_KEY in the service's environment "
                       "to enable them")
    client = request.client.host if request.client is not None else "unknown"
    wait = runtime.admin_failures.blocked_for(client)
    if wait:
        raise ApiError(429, "too_many_attempts", f"too many failed admin attempts; retry in {wait} s",
                       {"Retry-After": str(wait)})
    given = bearer.credentials if bearer is not None else api_key
    if not given:
        runtime.admin_failures.failed(client)
        raise ApiError(401, "unauthorized",
                       "an API key is required: send 'Authorization: Bearer KEY' or 'X-API-Key: KEY'",
                       {"WWW-Authenticate": "Bearer"})
    if not hmac.compare_digest(given.encode("utf-8"), expected.encode("utf-8")):
        runtime.admin_failures.failed(client)
        raise ApiError(403, "forbidden", "wrong API key")


def client_gone(request: Request) -> Callable[[], Awaitable[None]]:
    """A wait that ends when the client disconnects (after its body was read, the server's next
    message is the disconnect), so the pool can abandon the work it asked for."""
    async def wait() -> None:
        while (await request.receive())["type"] != "http.disconnect":
            pass
    return wait


# Shorthands for endpoint signatures.
SettingsDep = Annotated[Settings, Depends(get_settings)]
ModelStateDep = Annotated[ModelState, Depends(get_model_state)]
PoolDep = Annotated[InferencePool, Depends(get_pool)]
MetricsDep = Annotated[ServiceMetrics, Depends(get_metrics)]
ReloaderDep = Annotated[ModelReloader, Depends(get_reloader)]
FeedbackDep = Annotated[FeedbackService, Depends(get_feedback)]
AnalyzerDep = Annotated[Analyzer, Depends(current_analyzer)]
