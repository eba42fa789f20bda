"""User corrections (`POST /v1/annotations`) go to the feedback database through this service.

The database (`training.feedback_store`) is opened on the first annotation, so merely serving
creates no file; writes run in a thread, and every failure becomes the `ApiError` the client sees.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
from pathlib import Path

from framing.service.api.errors import ApiError, InvalidAnnotation, clean
from framing.service.api.schemas import AnnotationRequest
from framing.service.observability import ServiceMetrics
from framing.training.feedback_store import FeedbackConflict, FeedbackStore, InvalidFeedback, unusable_reason

log = logging.getLogger("framing.service")


class FeedbackService:
    """The feedback database, opened on the first annotation (so merely serving creates no file)."""

    def __init__(self, path: Path, metrics: ServiceMetrics) -> None:
        self.path = path
        self.metrics = metrics
        self._store: FeedbackStore | None = None
        self._lock = threading.Lock()

    def problem(self) -> str | None:
        """Why annotations cannot be stored now (None when they can), naming no server path."""
        if self._store is not None:
            return None
        return unusable_reason(self.path)

    def store(self) -> FeedbackStore:
        with self._lock:
            if self._store is None:
                problem = unusable_reason(self.path)
                if problem is not None:  # a misconfiguration: retrying will not help, so no Retry-After
                    log.error("cannot open the feedback database %s: %s", self.path, problem)
                    raise ApiError(503, "feedback_misconfigured", f"annotations cannot be stored: {problem}; "
                                   "the operator must fix FRAMING_FEEDBACK_DB")
                try:
                    self._store = FeedbackStore(self.path)
                except (OSError, sqlite3.Error, RuntimeError) as error:
                    log.error("cannot open the feedback database %s: %s", self.path, error)
                    raise ApiError(503, "feedback_unavailable",
                                   "the feedback database cannot be opened now (see the service log)",
                                   {"Retry-After": "30"}) from error
            return self._store

    def close(self) -> None:
        with self._lock:
            store, self._store = self._store, None
        if store is not None:
            store.close()

    def add(self, request: AnnotationRequest, model_version: str | None) -> tuple[str, bool]:
        """Store one correction (blocking); returns (id, created). Raises ApiError 422/409/503."""
        store = self.store()
        try:
            existed = request.id is not None and store.get(request.id) is not None
            stored_id = store.add(request.text, request.spans, request.frames, model_version, id=request.id)
        except FeedbackConflict as error:
            self.metrics.annotations.labels(outcome="conflict").inc()
            raise ApiError(409, "annotation_conflict", str(error)) from error
        except InvalidFeedback as error:
            self.metrics.annotations.labels(outcome="invalid").inc()
            raise InvalidAnnotation(error.problems) from error
        except sqlite3.Error as error:
            self.metrics.annotations.labels(outcome="error").inc()
            log.error("storing an annotation in %s failed: %s", self.path, error)
            raise ApiError(503, "feedback_unavailable",
                           f"the annotation was not stored: {clean(self._without_path(error))}",
                           {"Retry-After": "5"}) from error
        created = not existed
        self.metrics.annotations.labels(outcome="stored" if created else "unchanged").inc()
        return stored_id, created

    def count(self) -> int:
        """How many corrections are stored (blocking); 0 before the first, without creating the database."""
        if self._store is None and not self.path.exists():
            return 0
        try:
            return len(self.store())
        except sqlite3.Error as error:
            log.error("counting the annotations in %s failed: %s", self.path, error)
            raise ApiError(503, "feedback_unavailable", "the feedback database cannot be read now",
                           {"Retry-After": "5"}) from error

    def _without_path(self, error: BaseException) -> str:
        return str(error).replace(str(self.path), "the feedback database")
