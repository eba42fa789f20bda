"""`POST /v1/annotations`: store a user's corrected annotation in the feedback database."""

from __future__ import annotations

import asyncio
from typing import Annotated, Any

from fastapi import APIRouter, Body
from fastapi.responses import JSONResponse

from framing.service.api.deps import FeedbackDep, ModelStateDep, SettingsDep
from framing.service.api.errors import ERROR_RESPONSES, text_problem
from framing.service.api.schemas import AnnotationRequest, AnnotationResponse, AnnotationStats, ErrorResponse

router = APIRouter(tags=["feedback"])

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

ANNOTATION_EXAMPLES = {
    "corrected": {"summary": "A corrected annotation",
                  "value": AnnotationRequest.model_config["json_schema_extra"]["examples"][0]},
    "no_techniques": {"summary": "Text that uses no technique, frames not annotated",
                      "value": {"text": "Officials said the budget would be published next week.", "spans": []}},
}


@router.post("/v1/annotations", status_code=201, response_model=AnnotationResponse,
             responses=ANNOTATION_RESPONSES, summary="Store a corrected annotation",
             description="Stores a user's correction (spans of the 23 techniques, optionally the frames) "
                         "in the feedback database (FRAMING_FEEDBACK_DB), with the model version it "
                         "corrects. `framing annotations export` writes the stored corrections as JSONL "
                         "that `framing train --data` reads. A 201 means the correction is committed to "
                         "disk.")
async def annotate(
    request: Annotated[AnnotationRequest, Body(openapi_examples=ANNOTATION_EXAMPLES)],
    settings: SettingsDep, state: ModelStateDep, feedback: FeedbackDep,
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


@router.get("/v1/annotations/stats", response_model=AnnotationStats,
            responses={503: {"model": ErrorResponse, "description": "The feedback database cannot be read now."}},
            summary="How many corrections are stored",
            description="The number of corrections in the feedback database (0 before the first is saved), "
                        "so the review page can say what `framing annotations export` would write.")
async def annotation_stats(feedback: FeedbackDep) -> AnnotationStats:
    return AnnotationStats(stored=await asyncio.to_thread(feedback.count))
