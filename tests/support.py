"""Test doubles shared by several test modules."""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from framing.model.analyzer import Analyzer
from framing.model.schema import ModelInfo
from framing.service.settings import Settings


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


# ------------------------------------------------------------------ servers and the browser

# Debian's Chromium, driven by Playwright without a download; the flags keep it off the network.
CHROMIUM = Path(os.environ.get("FRAMING_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
# Where browser tests save the screenshots the README shows.
ARTEFACTS = Path(os.environ.get("FRAMING_TEST_ARTEFACTS",
                                Path(__file__).resolve().parent.parent / "reports" / "screenshots"))


@contextlib.contextmanager
def chromium_browser() -> Iterator[Any]:
    """Debian's Chromium under Playwright (imported here: only browser tests need it)."""
    from playwright import sync_api

    with sync_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        try:
            yield chromium
        finally:
            chromium.close()


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def served_in_thread(settings: Settings, analyzer: Analyzer) -> Iterator[str]:
    """The app on `settings.port` in a uvicorn thread of this process; yields its base URL."""
    import uvicorn

    from framing.service.api.app import create_app

    config = uvicorn.Config(create_app(settings, analyzer=analyzer), host="127.0.0.1", port=settings.port,
                            log_level="warning", lifespan="on")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{settings.port}"
    finally:
        server.should_exit = True
        thread.join(15)


def linked_copy(source: Path, target: Path) -> Path:
    """The model folder `source` at `target`, files hard-linked where possible (never written through)."""
    target.mkdir(parents=True)
    for item in source.iterdir():
        if item.is_dir():
            shutil.copytree(item, target / item.name)
            continue
        try:
            os.link(item, target / item.name)
        except OSError:
            shutil.copy2(item, target / item.name)
    return target


def article_counts(tp: int, fp: int, fn: int):
    """One article's `headline_counts` row with the same tp/fp/fn for paragraphs, Loaded_Language and
    frames (spans: 0.6 of each true positive's characters shared), for tests of resampled figures."""
    import numpy as np

    spans = [tp * 0.6, tp + fp, tp * 0.6, tp + fn]  # precision sum, predicted, recall sum, gold
    return np.array([tp, fp, fn, tp, fp, fn, *spans, tp, fp, fn], dtype=np.float64)


def judged_figures(counts):
    """A version judged on the articles of `counts` ([articles, 13] `article_counts` rows), as
    `round_report.judge` returns it: what the promote gate compares."""
    from framing.training.metrics import headline_figures
    from framing.training.reports import Summary
    from framing.training.round_report import RoundFigures

    figures = {name: round(float(value), 4) for name, value in headline_figures(counts.sum(axis=0)).items()}
    summary = Summary(paragraph_macro_f1=0.0, span_technique_f1=0.0, frame_macro_f1=0.0, **figures)
    return RoundFigures(summary, None, len(counts), 0, 0, 0, 0, counts[None])
