"""`GET /healthz`, `/readyz` and `/metrics`: what orchestrators and Prometheus ask."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse, Response

from framing.service.api.deps import FeedbackDep, MetricsDep, ModelStateDep
from framing.service.api.schemas import HealthResponse, ReadyResponse

router = APIRouter(tags=["operations"])


@router.get("/healthz", response_model=HealthResponse, summary="The process is up")
async def healthz() -> HealthResponse:
    return HealthResponse()


@router.head("/healthz", include_in_schema=False)
async def healthz_head() -> JSONResponse:
    """Uptime probes ask with HEAD too; a 405 reads as "down"."""
    return JSONResponse(HealthResponse().model_dump())


@router.get("/readyz", response_model=ReadyResponse,
            responses={503: {"model": ReadyResponse, "description": "Model not loaded yet."}},
            summary="The model is loaded and requests will be answered",
            description="200 once the model is loaded: `status` is `ready`, or `degraded` when analysis "
                        "works but annotations cannot be stored (`feedback` says why).")
async def readyz(state: ModelStateDep, feedback: FeedbackDep) -> JSONResponse:
    if not state.ready:
        return JSONResponse({"status": "loading", "model": None, "feedback": None}, status_code=503)
    problem = feedback.problem()
    return JSONResponse({"status": "ready" if problem is None else "degraded",
                         "model": state.current().info.model_dump(), "feedback": problem})


@router.get("/metrics", summary="Prometheus metrics",
            response_class=Response, responses={200: {"content": {"text/plain": {}}}})
async def prometheus_metrics(metrics: MetricsDep) -> Response:
    return Response(metrics.render(), media_type=metrics.content_type)
