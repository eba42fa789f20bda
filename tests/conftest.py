"""Shared fixtures: the model under test, the project's own sample corpus, a tiny encoder to train."""

from __future__ import annotations

import os
from pathlib import Path

# Imported now, not by hypothesis's pytest plugin at the end of a run that used none of it: that late
# import compiles hypothesis with the session's garbage around, and on this machine's CPython 3.11.7
# it failed ("SystemError: AST constructor recursion depth mismatch", seemingly a garbage collection
# running finalizers mid-parse) after every test of tests/test_hardening_*.py had passed.
import hypothesis  # noqa: F401
import pytest

from framing.model.analyzer import Analyzer
from framing.model.folder import SHIPPED_MODEL_DIR

SAMPLE_CORPUS = Path(__file__).resolve().parent.parent / "data" / "sample-semeval"


def pytest_configure(config: pytest.Config) -> None:
    """Under pytest-xdist each worker gets its share of the cores: torch's default of one thread per
    core in every worker would oversubscribe them and slow the training tests."""
    workers = int(os.environ.get("PYTEST_XDIST_WORKER_COUNT", "1"))
    if workers > 1:
        import torch

        torch.set_num_threads(max(1, (os.cpu_count() or 1) // workers))


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


@pytest.fixture
def tiny_encoder(tmp_path: Path) -> Path:
    """A 1-layer, 32-wide encoder with MiniLM's tokenizer: real training code, seconds to run."""
    from transformers import AutoConfig, AutoModel, AutoTokenizer

    from framing.model.encoder import pretrained_encoder_path

    base = pretrained_encoder_path()
    encoder = tmp_path / "tiny-encoder"
    config = AutoConfig.from_pretrained(base, num_hidden_layers=1, hidden_size=32, num_attention_heads=2,
                                        intermediate_size=64)
    AutoModel.from_config(config).save_pretrained(encoder)
    AutoTokenizer.from_pretrained(base).save_pretrained(encoder)
    return encoder


@pytest.fixture(scope="module")
def browser():
    """One Chromium per browser-test module (`support.chromium_browser`)."""
    from support import chromium_browser

    with chromium_browser() as chromium:
        yield chromium
