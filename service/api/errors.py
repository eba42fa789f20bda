"""Every answer other than 200 has one shape, `{detail, code, errors}`; this module builds it.

Handlers turn the API's own `ApiError`s, FastAPI's validation errors, Starlette's 404/405 and any
unexpected exception into that shape, so a client parses one error format whatever went wrong.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from framing.model.inputs import InputError, check_text
from framing.service.api.schemas import ErrorResponse
from framing.training.documents import Problem

log = logging.getLogger("framing.service")

ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    400: {"model": ErrorResponse, "description": "`host_not_allowed`: a Host outside FRAMING_ALLOWED_HOSTS."},
    408: {"model": ErrorResponse, "description": "`body_timeout`: the body was not sent within "
                                                 "FRAMING_BODY_TIMEOUT."},
    413: {"model": ErrorResponse, "description": "Text (or batch, or body) over the configured limit."},
    415: {"model": ErrorResponse, "description": "Content-Type is not application/json."},
    422: {"model": ErrorResponse, "description": "Malformed JSON, a field that breaks the schema "
                                                 "(named in `detail`), or a text with no word "
                                                 "(`empty_text`, `no_words`)."},
    503: {"model": ErrorResponse, "description": "Queue full (see Retry-After), model not loaded, or the "
                                                 "service shutting down."},
    504: {"model": ErrorResponse, "description": "`deadline_exceeded`: the analysis did not finish within "
                                                 "FRAMING_REQUEST_TIMEOUT."},
}


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


def clean(value: object, limit: int = 300) -> str:
    """Safe to put in a JSON answer: no lone surrogates, bounded length."""
    text = str(value).encode("utf-8", "backslashreplace").decode("utf-8")
    return text if len(text) <= limit else text[: limit - 1] + "…"


def error_response(status: int, code: str, detail: str, errors: Sequence[dict] = (),
                   headers: Mapping[str, str] | None = None) -> JSONResponse:
    body = {"detail": clean(detail, 2000), "code": code, "errors": list(errors)}
    return JSONResponse(body, status_code=status, headers=headers)


def _summary(errors: Sequence[dict]) -> str:
    """The first five `field: message` pairs, for `detail`; `errors` holds them all."""
    summary = "; ".join(f"{item['field']}: {item['message']}" for item in errors[:5])
    if len(errors) > 5:
        summary += f"; and {len(errors) - 5} more"
    return summary


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
        described.append({"field": clean(field, 200), "message": clean(message), "type": clean(kind, 60)})
    return _summary(described) or "invalid request", described


def text_problem(text: str, max_chars: int, field: str) -> ApiError | None:
    """What is wrong with a text the schema accepted (the rule batch and training apply too,
    `model.inputs.check_text`): too long is 413, blank or not encodable is 422. `errors` names the
    field as a validation error does, so a client pointing at the bad field reads one place."""
    try:
        check_text(text, max_chars, field=field)
    except InputError as error:
        return field_refusal(413 if error.code == "text_too_long" else 422, error.code, field, error.message)
    return None


def field_refusal(status: int, code: str, field: str, message: str) -> ApiError:
    """A refusal of one field: `detail` starts with the field and `errors` names it, as a validation error does."""
    return ApiError(status, code, f"{field}: {message}",
                    errors=[{"field": field, "message": clean(message), "type": code}])


class InvalidAnnotation(ApiError):
    """422 listing every problem the feedback validator found, each under the field it names."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        errors = [{"field": problem.field, "message": clean(problem.message), "type": "invalid_annotation"}
                  for problem in problems]
        super().__init__(422, "invalid_annotation", _summary(errors) or "invalid annotation", errors=errors)


async def _api_error(_request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, ApiError)
    return error_response(error.status, error.code, error.message, error.errors, headers=error.headers)


async def _invalid(_request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, RequestValidationError)
    summary, described = describe_validation_errors(error.errors())
    return error_response(422, "invalid_request", summary, described)


async def _http_error(_request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, StarletteHTTPException)
    if error.status_code == 400 and error.detail == "There was an error parsing the body":
        return error_response(422, "invalid_request", "body: not valid JSON (UTF-8 expected)",
                              [{"field": "body", "message": "not valid JSON", "type": "json_invalid"}])
    code = {404: "not_found", 405: "method_not_allowed"}.get(error.status_code, "http_error")
    return error_response(error.status_code, code, str(error.detail), headers=error.headers)


async def _unexpected(request: Request, error: Exception) -> JSONResponse:
    log.exception("unhandled error answering %s %s", request.method, request.url.path, exc_info=error)
    return error_response(500, "internal_error", "internal error; see the service log")


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(ApiError, _api_error)
    app.add_exception_handler(RequestValidationError, _invalid)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(Exception, _unexpected)
