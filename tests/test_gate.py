"""The promote gate's verdict on two versions scored again: falls judged against the paired noise."""

from __future__ import annotations

import numpy as np
from support import article_counts, judged_figures

from framing.training.gate import Comparison, rescored

RNG = np.random.default_rng(5)
TP, FP, FN = RNG.integers(4, 30, size=37), RNG.integers(0, 20, size=37), RNG.integers(0, 20, size=37)
OLD = np.stack([article_counts(*c) for c in zip(TP, FP, FN, strict=True)])


def test_a_fall_on_one_article_passes_with_a_note() -> None:
    new = OLD.copy()
    new[3] = article_counts(int(TP[3]) - 2, int(FP[3]) + 2, int(FN[3]) + 2)
    comparison = rescored(judged_figures(OLD), judged_figures(new))
    assert isinstance(comparison, Comparison) and comparison.differences is not None
    assert comparison.new["paragraph_micro_f1"] < comparison.old["paragraph_micro_f1"]
    assert comparison.complaints("v1") == []
    notes = comparison.notes("v1")
    assert any(note.startswith("inside the noise, not refused: paragraph_micro_f1") for note in notes)
    assert "paired 90% interval of the difference" in notes[0]


def test_a_fall_on_every_article_is_refused() -> None:
    new = np.stack([article_counts(*c) for c in zip(TP - 1, FP, FN + 1, strict=True)])
    comparison = rescored(judged_figures(OLD), judged_figures(new))
    assert comparison is not None
    complaints = comparison.complaints("v1")
    assert {c.split()[0] for c in complaints} == {"paragraph_micro_f1", "loaded_language_f1", "span_f1",
                                                  "frame_micro_f1"}
    assert all("rescored on 37 common held-out articles; paired 90% interval" in c for c in complaints)
    assert comparison.notes("v1") == []


def test_recorded_figures_have_no_counts_and_any_fall_is_refused() -> None:
    figures = {"paragraph_micro_f1": 0.40, "span_f1": 0.39, "frame_micro_f1": 0.70}
    comparison = Comparison(figures, figures | {"span_f1": 0.389}, 37, "recorded")
    assert comparison.complaints("v1") == ["span_f1 0.389 < 0.39 of v1 (recorded on 37 common held-out articles)"]
    assert comparison.notes("v1") == []
