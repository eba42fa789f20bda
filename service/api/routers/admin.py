"""`POST /v1/admin/reload`: swap in the model the configured path names now, behind the admin key."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends

from framing.service.api.deps import ReloaderDep, require_admin
from framing.service.api.schemas import ErrorResponse, ReloadResponse

router = APIRouter(tags=["operations"])

ADMIN_RESPONSES: dict[int | str, dict[str, Any]] = {
    401: {"model": ErrorResponse, "description": "No API key given."},
    403: {"model": ErrorResponse, "description": "Wrong API key, or admin endpoints disabled "
                                                 "(FRAMING_ADMIN_KEY not set)."},
    409: {"model": ErrorResponse, "description": "The new model could not be loaded; the previous one "
                                                 "is still serving. `detail` says why."},
    429: {"model": ErrorResponse, "description": "Too many failed attempts from this client in the last "
                                                 "minute (FRAMING_ADMIN_FAILURES); see Retry-After."},
}


@router.post("/v1/admin/reload", response_model=ReloadResponse, responses=ADMIN_RESPONSES,
             dependencies=[Depends(require_admin)],
             summary="Load the model again (e.g. a newly promoted registry version)",
             description="Resolves the configured model path again (a registry's promoted version), "
                         "loads and checks the new model off the event loop, then swaps it in. Requests "
                         "already running finish on the old model; none is dropped. If loading fails, the "
                         "old model keeps serving and the answer is 409 with the reason. Needs the admin "
                         "key (FRAMING_ADMIN_KEY) as `Authorization: Bearer KEY` or `X-API-Key: KEY`. "
                         "`kill -HUP` on the `framing serve` process does the same.")
async def admin_reload(reloader: ReloaderDep) -> ReloadResponse:
    return await reloader.reload()
