"""The fast identification F1 that calibration searches with equals the metric's own figure."""

from __future__ import annotations

import numpy as np
import pytest

from framing.training.metrics import span_metrics
from framing.training.span_identification import IdentificationAxis


def _random_spans(rng: np.random.Generator, length: int, n: int) -> list[tuple[int, int]]:
    starts = rng.integers(0, length - 1, size=n)
    return [(int(s), int(min(length, s + rng.integers(1, 40)))) for s in starts]


@pytest.mark.parametrize("seed", range(5))
def test_identification_f1_matches_span_metrics_on_random_spans(seed: int) -> None:
    rng = np.random.default_rng(seed)
    lengths = [int(n) for n in rng.integers(50, 400, size=6)]
    gold = [_random_spans(rng, n, int(rng.integers(0, 6))) for n in lengths]
    predicted = [_random_spans(rng, n, int(rng.integers(0, 8))) for n in lengths]
    gold[0] = [(10, 20), (20, 30)]  # touching spans merge into one, in both
    axis = IdentificationAxis(lengths, gold)
    starts, ends = axis.bounds([(np.array([s for s, _ in p], dtype=np.int64),
                                 np.array([e for _, e in p], dtype=np.int64)) for p in predicted])
    expected = span_metrics([[("Doubt", s, e) for s, e in p] for p in predicted],
                            [[("Doubt", s, e) for s, e in g] for g in gold]).identification.f1
    assert axis.f1(axis.count(starts, ends) > 0) == pytest.approx(expected, abs=1e-12)


def test_spans_never_join_across_articles() -> None:
    # One span ends where the article ends, the next starts the next article: two spans, not one.
    axis = IdentificationAxis([10, 10], [[(0, 10)], [(0, 10)]])
    starts, ends = axis.bounds([(np.array([5]), np.array([10])), (np.array([0]), np.array([10]))])
    # Precision: 1 and 1; recall: 0.5 and 1 -> F1 = 2 * 1 * 0.75 / 1.75.
    assert axis.f1(axis.count(starts, ends) > 0) == pytest.approx(2 * 0.75 / 1.75)


def test_nothing_predicted_scores_zero() -> None:
    axis = IdentificationAxis([20], [[(2, 8)]])
    assert axis.f1(np.zeros(axis.size, dtype=bool)) == 0.0
