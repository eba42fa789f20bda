"""Span-identification F1 (SemEval-2020 task 11: techniques ignored) of many candidate span sets.

Calibration moves one technique's span threshold at a time and needs, for every candidate, the
identification F1 of the union of all techniques' spans over all held-out articles. Merging that
union article by article in Python for each of thousands of candidates takes minutes, so the
articles are laid end to end on one character axis (a gap between them keeps runs from joining)
and a candidate is scored with a few array operations. The figure equals `span_metrics`'
identification F1 (tests/test_span_identification.py checks it).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

Bounds = tuple[np.ndarray, np.ndarray]  # starts, ends (exclusive) on the shared axis


def _runs(covered: np.ndarray) -> Bounds:
    """First and past-the-end positions of each run of covered characters."""
    step = np.diff(np.concatenate([[0], covered.astype(np.int8), [0]]))
    return np.flatnonzero(step == 1), np.flatnonzero(step == -1)


class IdentificationAxis:
    """The held-out articles on one character axis, with their gold spans merged as the metric merges them."""

    def __init__(self, lengths: Sequence[int], gold: Sequence[Sequence[tuple[int, int]]]) -> None:
        self.offsets = np.concatenate([[0], np.cumsum(np.asarray(lengths, dtype=np.int64) + 1)])
        self.size = int(self.offsets[-1])
        self._gold_starts, self._gold_ends = self.bounds(
            [(np.array([s for s, _ in spans], dtype=np.int64), np.array([e for _, e in spans], dtype=np.int64))
             for spans in gold])
        gold_covered = self.count(self._gold_starts, self._gold_ends) > 0
        self._gold_prefix = np.concatenate([[0], np.cumsum(gold_covered)])
        self._gold_runs = _runs(gold_covered)

    def bounds(self, per_article: Sequence[Bounds]) -> Bounds:
        """Character bounds given per article, moved onto the shared axis (empty spans dropped)."""
        starts = [s + self.offsets[i] for i, (s, _) in enumerate(per_article)]
        ends = [e + self.offsets[i] for i, (_, e) in enumerate(per_article)]
        start = np.concatenate(starts) if starts else np.zeros(0, dtype=np.int64)
        end = np.concatenate(ends) if ends else np.zeros(0, dtype=np.int64)
        keep = end > start
        return start[keep].astype(np.int64), end[keep].astype(np.int64)

    def count(self, starts: np.ndarray, ends: np.ndarray) -> np.ndarray:
        """[size] how many of the spans cover each character."""
        step = np.zeros(self.size + 1, dtype=np.int32)
        np.add.at(step, starts, 1)
        np.add.at(step, ends, -1)
        return np.cumsum(step[:-1], dtype=np.int32)

    def f1(self, covered: np.ndarray) -> float:
        """Identification F1 of the predicted spans that cover `covered` [size] (overlaps merged)."""
        starts, ends = _runs(covered)
        gold_starts, gold_ends = self._gold_runs
        if len(starts) == 0 or len(gold_starts) == 0:
            return 0.0
        prefix = np.concatenate([[0], np.cumsum(covered)])
        precision = float(((self._gold_prefix[ends] - self._gold_prefix[starts]) / (ends - starts)).mean())
        recall = float(((prefix[gold_ends] - prefix[gold_starts]) / (gold_ends - gold_starts)).mean())
        return 2 * precision * recall / (precision + recall) if precision + recall else 0.0
