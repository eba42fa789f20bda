"""`GET /v1/labels` and `/v1/model`: what the service can say, and which model says it."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from fastapi import APIRouter

from framing.model.taxonomy import FRAME_LABELS, TECHNIQUE_LABELS
from framing.service.api.deps import AnalyzerDep, ModelStateDep, ReloaderDep
from framing.service.api.errors import ERROR_RESPONSES
from framing.service.api.runtime import describe_model
from framing.service.api.schemas import LabelInfo, LabelsResponse, ModelResponse

router = APIRouter(tags=["reference"])

LABELS = LabelsResponse(
    technique_categories=list(dict.fromkeys(label.category for label in TECHNIQUE_LABELS)),
    techniques=[LabelInfo(name=x.name, category=x.category, definition=x.definition)
                for x in TECHNIQUE_LABELS],
    frames=[LabelInfo(name=x.name, category=x.category, definition=x.definition) for x in FRAME_LABELS],
)


@router.get("/v1/labels", response_model=LabelsResponse, summary="The technique and frame taxonomy")
async def labels() -> LabelsResponse:
    return LABELS


@router.get("/v1/model", response_model=ModelResponse, responses={503: ERROR_RESPONSES[503]},
            summary="The model being served")
async def model_info(analyzer: AnalyzerDep, state: ModelStateDep, reloader: ReloaderDep) -> ModelResponse:
    described = await asyncio.to_thread(describe_model, analyzer)
    loaded_at = (datetime.fromtimestamp(state.loaded_at, UTC).isoformat(timespec="seconds")
                 if state.loaded_at else None)
    return described.model_copy(update={"loaded_at": loaded_at, "reloads": reloader.reloads})
