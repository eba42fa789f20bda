"""The per-request limits of a batch: how many documents, how many characters in all.

Applied twice with the same words: by the request guard to a large raw body (in a worker thread,
before FastAPI parses and validates it on the event loop) and by the endpoint to the parsed request.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from framing.service.settings import Settings


def too_many(count: int, characters: int, settings: Settings) -> tuple[str, str] | None:
    """(code, message) when `count` documents of `characters` in all exceed the settings."""
    if count > settings.max_batch:
        return "batch_too_large", (f"documents: {count} documents; the limit is {settings.max_batch} "
                                   "(FRAMING_MAX_BATCH)")
    if characters > settings.max_request_chars:
        return "request_too_large", (f"documents: {characters:,} characters in all; the limit per request is "
                                     f"{settings.max_request_chars:,} (FRAMING_MAX_REQUEST_CHARS)")
    return None


def batch_problem(value: Any, settings: Settings) -> tuple[str, str] | None:
    """The limits applied to a raw JSON batch body; anything malformed is left to the schema."""
    documents = value.get("documents") if isinstance(value, dict) else None
    if not isinstance(documents, list):
        return None
    return too_many(len(documents), _characters(documents), settings)


def _characters(documents: Sequence[Any]) -> int:
    return sum(len(d["text"]) for d in documents if isinstance(d, dict) and isinstance(d.get("text"), str))
