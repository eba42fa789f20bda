"""Test doubles shared by several test modules."""

from __future__ import annotations

import threading

from framing.model.analyzer import Analyzer
from framing.model.schema import ModelInfo


class GatedAnalyzer:
    """The real analyzer behind a gate, so a test can hold inference in the worker pool."""

    def __init__(self, inner: Analyzer, info: ModelInfo | None = None) -> None:
        self.inner = inner
        self.info = info or inner.info
        self.directory = inner.directory
        self.metrics = {}
        self.operating_points = inner.operating_points
        self.gate = threading.Event()
        self.entered = threading.Semaphore(0)

    def analyze(self, text, document_id=None, sensitivity="precise"):
        return self.analyze_many([text], [document_id], sensitivity)[0]

    def analyze_many(self, texts, ids=None, sensitivity="precise"):
        self.entered.release()
        assert self.gate.wait(30), "test gate never opened"
        analyses = self.inner.analyze_many(texts, ids, sensitivity)
        return [a.model_copy(update={"model": self.info}) for a in analyses]
