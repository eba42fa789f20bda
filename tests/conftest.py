"""Shared fixtures: the model under test and the project's own sample corpus."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from framing.model.analyzer import Analyzer
from framing.model.folder import SHIPPED_MODEL_DIR

SAMPLE_CORPUS = Path(__file__).resolve().parent.parent / "data" / "sample-semeval"


@pytest.fixture(scope="session")
def shipped_model_dir() -> Path:
    """The model the tests run against: $FRAMING_TEST_MODEL_DIR if set, else the shipped one."""
    override = os.environ.get("FRAMING_TEST_MODEL_DIR")
    return Path(override) if override else SHIPPED_MODEL_DIR


@pytest.fixture(scope="session")
def analyzer(shipped_model_dir: Path) -> Analyzer:
    return Analyzer.load(shipped_model_dir)


@pytest.fixture(scope="session")
def sample_corpus() -> Path:
    """data/sample-semeval: hand-written articles in the SemEval-2023 task 3 folder format."""
    return SAMPLE_CORPUS
