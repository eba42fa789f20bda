"""`POST /v1/analyze` and `/v1/analyze/batch`: text in, `Analysis` out, through the inference pool."""

from __future__ import annotations

import json
import logging
import time
from typing import Annotated

from fastapi import APIRouter, Body, Request
from fastapi.responses import Response

from framing.model.analyzer import Analyzer, EmptyTextError
from framing.model.filtering import filter_analysis
from framing.model.schema import Analysis
from framing.service.api.deps import AnalyzerDep, MetricsDep, PoolDep, SettingsDep, client_gone
from framing.service.api.errors import ERROR_RESPONSES, ApiError, clean, field_refusal, text_problem
from framing.service.api.limits import too_many
from framing.service.api.pool import WorkToken
from framing.service.api.schemas import (
    EXAMPLE_ANALYSIS,
    EXAMPLE_TEXT,
    AnalyzeOptions,
    AnalyzeRequest,
    BatchRequest,
    BatchResponse,
)
from framing.service.observability import ServiceMetrics

log = logging.getLogger("framing.service")

router = APIRouter(tags=["analysis"])

ANALYZE_EXAMPLES = {
    "plain": {"summary": "Just the text", "value": {"text": EXAMPLE_TEXT}},
    "filtered": {"summary": "Only two techniques, confident ones, no sentence breakdown",
                 "value": {"text": EXAMPLE_TEXT, "id": "note-17",
                           "options": {"techniques": ["Loaded_Language", "Name_Calling-Labeling"],
                                       "min_score": 0.6, "sentences": False}}},
    "sensitive": {"summary": "More highlights: the recall-fitted operating point",
                  "value": {"text": EXAMPLE_TEXT, "options": {"sensitivity": "sensitive"}}},
}


def _options(options: AnalyzeOptions | None, analyzer: Analyzer) -> AnalyzeOptions:
    """The request's options, refused up front (422) when they ask for an operating point the model
    lacks: answering with the precise one under the name `sensitive` would mislead the reader."""
    options = options if options is not None else AnalyzeOptions()
    if options.sensitivity not in analyzer.operating_points:
        raise ApiError(422, "operating_point_unavailable",
                       f"options.sensitivity: the model serves {', '.join(analyzer.operating_points)} only; "
                       f"it was calibrated without {options.sensitivity!r} thresholds")
    return options


def _filtered(analysis: Analysis, options: AnalyzeOptions) -> Analysis:
    if options.techniques is None and options.min_score is None and options.sentences:
        return analysis  # nothing to filter: skip the copy
    return filter_analysis(analysis, options.techniques, options.min_score, options.sentences)


# A batch is analysed in groups of about this many characters, its token checked between groups, so
# work for a client that has gone or a request past its deadline stops within one group's time.
GROUP_CHARS = 20_000


def _groups(items: list[tuple[int, str, str | None]]) -> list[list[tuple[int, str, str | None]]]:
    groups: list[list[tuple[int, str, str | None]]] = [[]]
    size = 0
    for item in items:
        if groups[-1] and size + len(item[1]) > GROUP_CHARS:
            groups.append([])
            size = 0
        groups[-1].append(item)
        size += len(item[1])
    return groups


def _analyze_one(token: WorkToken, metrics: ServiceMetrics, analyzer: Analyzer, text: str,
                 document_id: str | None, options: AnalyzeOptions) -> bytes:
    token.check()
    started = time.perf_counter()
    analysis = analyzer.analyze(text, document_id, options.sensitivity)
    metrics.observe_inference("/v1/analyze", time.perf_counter() - started, [text])
    return _filtered(analysis, options).model_dump_json().encode("utf-8")


def _analyze_batch(token: WorkToken, metrics: ServiceMetrics, analyzer: Analyzer,
                   items: list[tuple[int, str, str | None]], options: AnalyzeOptions) -> dict[int, Analysis | ApiError]:
    """Batched passes over groups of documents, each document alone if a pass fails
    (`Analyzer.analyze_each`), with each document's own failure turned into the status it would
    have had alone; abandoned between groups once the token is cancelled."""
    if not items:
        return {}
    texts = [text for _, text, _ in items]
    started = time.perf_counter()
    outcomes = []
    for group in _groups(items):
        token.check()
        outcomes += analyzer.analyze_each([text for _, text, _ in group],
                                          [document_id for _, _, document_id in group], options.sensitivity)
    results: dict[int, Analysis | ApiError] = {}
    for (index, _, _), outcome in zip(items, outcomes, strict=True):
        if isinstance(outcome, Analysis):
            results[index] = _filtered(outcome, options)
        elif isinstance(outcome, EmptyTextError):
            results[index] = field_refusal(422, outcome.code, f"documents.{index}.text", str(outcome))
        else:
            log.error("analysis of batch document %d failed", index, exc_info=outcome)
            results[index] = ApiError(500, "internal_error", "analysis failed for this document")
    metrics.observe_inference("/v1/analyze/batch", time.perf_counter() - started, texts)
    return results


@router.post("/v1/analyze", response_model=Analysis, responses=ERROR_RESPONSES,
             summary="Analyse one text",
             response_description="The Analysis: frames, techniques, sentences and spans.",
             openapi_extra={"responses": {"200": {"content": {"application/json": {
                 "example": EXAMPLE_ANALYSIS}}}}})
async def analyze(
    request: Annotated[AnalyzeRequest, Body(openapi_examples=ANALYZE_EXAMPLES)],
    settings: SettingsDep, pool: PoolDep, metrics: MetricsDep, analyzer: AnalyzerDep, http: Request,
) -> Response:
    problem = text_problem(request.text, settings.max_chars, "text")
    if problem is not None:
        raise problem
    excess = too_many(1, len(request.text), settings, field="text")
    if excess is not None:
        raise ApiError(413, excess.code, excess.detail, errors=excess.errors)
    body = await pool.run(_analyze_one, metrics, analyzer, request.text, request.id,
                          _options(request.options, analyzer),
                          disconnected=client_gone(http))
    return Response(body, media_type="application/json")


@router.post("/v1/analyze/batch", response_model=BatchResponse, responses=ERROR_RESPONSES,
             summary="Analyse several texts",
             description="One result per document, in order. A document that is empty or too long gets an "
                         "error entry with the status it would have had alone, naming the field at fault "
                         "(`documents.3.text`); the others are analysed.")
async def analyze_batch(request: BatchRequest, settings: SettingsDep, pool: PoolDep, metrics: MetricsDep,
                        analyzer: AnalyzerDep, http: Request) -> Response:
    documents = request.documents
    excess = too_many(len(documents), sum(len(document.text) for document in documents), settings)
    if excess is not None:
        raise ApiError(413, excess.code, excess.detail, errors=excess.errors)
    options = _options(request.options, analyzer)
    problems: dict[int, ApiError] = {}
    items: list[tuple[int, str, str | None]] = []
    for index, document in enumerate(documents):
        problem = text_problem(document.text, settings.max_chars, f"documents.{index}.text")
        if problem is not None:
            problems[index] = problem
        else:
            items.append((index, document.text, document.id))
    analysed = (await pool.run(_analyze_batch, metrics, analyzer, items, options, disconnected=client_gone(http))
                if items else {})
    results = []
    for index, document in enumerate(documents):
        outcome = problems.get(index) or analysed[index]
        if isinstance(outcome, ApiError):
            # The field at fault, as a refusal's `errors` names it; the document itself when none is.
            field = outcome.errors[0]["field"] if outcome.errors else f"documents.{index}"
            results.append({"index": index, "id": document.id, "status": outcome.status, "analysis": None,
                            "error": {"code": outcome.code, "field": field,
                                      "message": clean(outcome.message, 2000)}})
        else:
            results.append({"index": index, "id": document.id, "status": 200,
                            "analysis": outcome.model_dump(mode="json"), "error": None})
    return Response(json.dumps({"results": results}, ensure_ascii=False).encode("utf-8"),
                    media_type="application/json")
