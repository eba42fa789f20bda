"""The metrics DESIGN.md defines, implemented once for the model, the baseline and batch outputs.

- Paragraph techniques (SemEval-2023 subtask 3): a paragraph is one line; it has technique T when
  any span of T overlaps it. Micro- and macro-F1 over the techniques.
- Spans (SemEval-2020 task 11 partial overlap): P = sum_s sum_t |s∩t|/|s| / |S| and
  R = sum_s sum_t |s∩t|/|t| / |T|, after merging overlapping spans; overall (labels ignored) and per
  technique.
- Frames (subtask 2): micro- and macro-F1 over the frames, article level.

Held-out sets are tens of articles, so the headline figures also get bootstrap intervals:
articles are resampled with replacement (thresholds and predictions fixed), which is how the
figures would move on another draw of articles like these.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np
from sklearn.metrics import f1_score, precision_score, recall_score

from framing.model.schema import Analysis
from framing.model.segmentation import Paragraph, split_paragraphs
from framing.model.taxonomy import FRAMES, TECHNIQUE_INDEX, TECHNIQUES
from framing.training.reports import Intervals, LabelScores, MultilabelScores, SpanReport, SpanScores

Interval = tuple[int, int]


def merge_intervals(intervals: Iterable[Interval]) -> list[Interval]:
    merged: list[list[int]] = []
    for start, end in sorted(intervals):
        if end <= start:
            continue
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    return [(a, b) for a, b in merged]


def _covered(intervals: list[Interval], length: int) -> np.ndarray:
    """Prefix sums of a character mask, so any overlap is two lookups."""
    mask = np.zeros(length + 1, dtype=np.int64)
    for start, end in intervals:
        mask[start] += 1
        mask[end] -= 1
    covered = (np.cumsum(mask)[:length] > 0).astype(np.int64)
    return np.concatenate([[0], np.cumsum(covered)])


class SpanCounts:
    """Accumulates the partial-overlap sums over documents."""

    def __init__(self) -> None:
        self.precision_sum = 0.0
        self.recall_sum = 0.0
        self.n_predicted = 0
        self.n_gold = 0

    def add(self, predicted: Iterable[Interval], gold: Iterable[Interval]) -> None:
        predicted, gold = merge_intervals(predicted), merge_intervals(gold)
        length = max([end for _, end in predicted + gold] + [0])
        gold_cover, predicted_cover = _covered(gold, length), _covered(predicted, length)
        self.precision_sum += float(sum((gold_cover[e] - gold_cover[s]) / (e - s) for s, e in predicted))
        self.recall_sum += float(sum((predicted_cover[e] - predicted_cover[s]) / (e - s) for s, e in gold))
        self.n_predicted += len(predicted)
        self.n_gold += len(gold)

    def result(self) -> SpanScores:
        precision = self.precision_sum / self.n_predicted if self.n_predicted else 0.0
        recall = self.recall_sum / self.n_gold if self.n_gold else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        return SpanScores(precision=precision, recall=recall, f1=f1, predicted=self.n_predicted, gold=self.n_gold)


LabelledSpan = tuple[str, int, int]


def span_metrics(predicted: Sequence[Sequence[LabelledSpan]], gold: Sequence[Sequence[LabelledSpan]]) -> SpanReport:
    """Span identification (labels ignored) and per-technique partial-overlap P/R/F1."""
    overall = SpanCounts()
    per_label = {name: SpanCounts() for name in TECHNIQUES}
    for doc_predicted, doc_gold in zip(predicted, gold, strict=True):
        overall.add([(s, e) for _, s, e in doc_predicted], [(s, e) for _, s, e in doc_gold])
        for name in {label for label, _, _ in list(doc_predicted) + list(doc_gold)}:
            per_label[name].add([(s, e) for lab, s, e in doc_predicted if lab == name],
                                [(s, e) for lab, s, e in doc_gold if lab == name])
    labelled = SpanCounts()
    for counts in per_label.values():
        labelled.precision_sum += counts.precision_sum
        labelled.recall_sum += counts.recall_sum
        labelled.n_predicted += counts.n_predicted
        labelled.n_gold += counts.n_gold
    return SpanReport(identification=overall.result(), technique_micro=labelled.result(),
                      per_technique={name: counts.result() for name, counts in per_label.items()})


def gold_paragraph_labels(text: str, spans: Iterable[LabelledSpan]) -> list[set[str]]:
    """Techniques of each non-empty line: those with a span overlapping it."""
    spans = list(spans)
    result = []
    for paragraph in split_paragraphs(text):
        if paragraph.end == paragraph.start:
            continue
        result.append({label for label, s, e in spans if s < paragraph.end and e > paragraph.start})
    return result


def paragraph_techniques(text: str, analysis: Analysis) -> list[tuple[Paragraph, dict[str, float]]]:
    """Each non-empty line of `text` with the techniques an Analysis asserts in it and their best score.

    A line uses a technique when one of its sentences does or a span of that technique overlaps it,
    the rule `gold_paragraph_labels` applies to gold spans.
    """
    sentences = sorted(analysis.sentences, key=lambda s: s.start)
    spans = sorted(analysis.spans, key=lambda s: s.start)
    result = []
    for paragraph in split_paragraphs(text):
        if paragraph.end <= paragraph.start:
            continue
        best: dict[str, float] = {}
        for sentence in sentences:
            if sentence.start >= paragraph.end:
                break
            if sentence.end > paragraph.start:
                for item in sentence.techniques:
                    best[item.label] = max(best.get(item.label, 0.0), item.score)
        for span in spans:
            if span.start >= paragraph.end:
                break
            if span.end > paragraph.start:
                best[span.label] = max(best.get(span.label, 0.0), span.score)
        result.append((paragraph, best))
    return result


def _indicator(rows: Sequence[Iterable[str]], index: dict[str, int]) -> np.ndarray:
    matrix = np.zeros((len(rows), len(index)), dtype=np.int64)
    for i, labels in enumerate(rows):
        for label in labels:
            matrix[i, index[label]] = 1
    return matrix


def multilabel_f1(gold: Sequence[Iterable[str]], predicted: Sequence[Iterable[str]],
                  labels: tuple[str, ...]) -> MultilabelScores:
    """Micro-F1, macro-F1 over labels present in the gold data, macro over all labels, per label."""
    index = {name: i for i, name in enumerate(labels)}
    y_true, y_pred = _indicator(gold, index), _indicator(predicted, index)
    present = [i for i in range(len(labels)) if y_true[:, i].any()]
    per_label = {
        name: LabelScores(
            precision=float(precision_score(y_true[:, i], y_pred[:, i], zero_division=0)),
            recall=float(recall_score(y_true[:, i], y_pred[:, i], zero_division=0)),
            f1=float(f1_score(y_true[:, i], y_pred[:, i], zero_division=0)),
            support=int(y_true[:, i].sum()),
        )
        for i, name in enumerate(labels)
    }
    return MultilabelScores(
        micro_f1=float(f1_score(y_true, y_pred, average="micro", zero_division=0)),
        micro_precision=float(precision_score(y_true, y_pred, average="micro", zero_division=0)),
        micro_recall=float(recall_score(y_true, y_pred, average="micro", zero_division=0)),
        macro_f1=float(np.mean([per_label[labels[i]].f1 for i in present])) if present else 0.0,
        macro_f1_all_labels=float(f1_score(y_true, y_pred, average="macro", zero_division=0)),
        labels_with_support=len(present),
        per_label=per_label,
    )


def paragraph_metrics(gold: Sequence[Iterable[str]], predicted: Sequence[Iterable[str]]) -> MultilabelScores:
    return multilabel_f1(gold, predicted, TECHNIQUES)


def frame_metrics(gold: Sequence[Iterable[str]], predicted: Sequence[Iterable[str]]) -> MultilabelScores:
    return multilabel_f1(gold, predicted, FRAMES)


# The figures the quality targets are set on, with the names reports print them under.
HEADLINE = {"paragraph_micro_f1": "paragraph micro-F1", "loaded_language_f1": "Loaded_Language F1",
            "span_f1": "span F1", "frame_micro_f1": "frame micro-F1"}
BOOTSTRAP_SAMPLES = 1000
# Where each figure's sums sit in a `headline_counts` row.
_PARAGRAPHS, _LOADED_LANGUAGE, _SPANS, _FRAMES = slice(0, 3), slice(3, 6), slice(6, 10), slice(10, 13)
HEADLINE_COUNTS = _FRAMES.stop  # length of a `headline_counts` row


def _confusion(y_true: np.ndarray, y_pred: np.ndarray) -> list[int]:
    """True positives, false positives, false negatives of 0/1 indicator arrays."""
    return [(y_true & y_pred).sum(), ((1 - y_true) & y_pred).sum(), (y_true & (1 - y_pred)).sum()]


def headline_counts(gold_paragraphs: Sequence[Iterable[str]], predicted_paragraphs: Sequence[Iterable[str]],
                    gold_spans: Sequence[LabelledSpan], predicted_spans: Sequence[LabelledSpan],
                    gold_frames: Iterable[str] | None, predicted_frames: Iterable[str]) -> np.ndarray:
    """One article's sums behind the headline figures; sums over articles give the figures back.

    Layout: paragraph tp/fp/fn (all techniques), Loaded_Language tp/fp/fn, span precision sum,
    predicted spans, recall sum, gold spans, frame tp/fp/fn (zeros for an article without frames).
    """
    y_true, y_pred = _indicator(gold_paragraphs, TECHNIQUE_INDEX), _indicator(predicted_paragraphs, TECHNIQUE_INDEX)
    spans = SpanCounts()
    spans.add([(s, e) for _, s, e in predicted_spans], [(s, e) for _, s, e in gold_spans])
    frames = np.zeros(3)
    if gold_frames is not None:
        gold_set, predicted_set = set(gold_frames), set(predicted_frames)
        frames = np.array([len(gold_set & predicted_set), len(predicted_set - gold_set), len(gold_set - predicted_set)])
    loaded_language = TECHNIQUE_INDEX["Loaded_Language"]
    ll_true, ll_pred = y_true[:, loaded_language], y_pred[:, loaded_language]
    return np.concatenate([
        _confusion(y_true, y_pred),
        _confusion(ll_true, ll_pred),
        [spans.precision_sum, spans.n_predicted, spans.recall_sum, spans.n_gold],
        frames,
    ]).astype(np.float64)


def headline_figures(totals: np.ndarray) -> dict[str, np.ndarray]:
    """The headline figures from summed `headline_counts` (the last axis; leading axes are samples)."""
    def f1(tp, fp, fn):
        denominator = 2 * tp + fp + fn
        return np.divide(2 * tp, denominator, out=np.zeros_like(tp), where=denominator > 0)

    def ratio(a, b):
        return np.divide(a, b, out=np.zeros_like(a), where=b > 0)

    precision_sum, n_predicted, recall_sum, n_gold = np.moveaxis(totals[..., _SPANS], -1, 0)
    precision, recall = ratio(precision_sum, n_predicted), ratio(recall_sum, n_gold)
    return {
        "paragraph_micro_f1": f1(*np.moveaxis(totals[..., _PARAGRAPHS], -1, 0)),
        "loaded_language_f1": f1(*np.moveaxis(totals[..., _LOADED_LANGUAGE], -1, 0)),
        "span_f1": ratio(2 * precision * recall, precision + recall),
        "frame_micro_f1": f1(*np.moveaxis(totals[..., _FRAMES], -1, 0)),
    }


def _resampled_figures(counts: np.ndarray, weights: np.ndarray) -> dict[str, np.ndarray]:
    """Each headline figure on each resample (weights [samples, articles]), averaged over the deals."""
    deals = counts if counts.ndim == 3 else counts[None]
    resampled = np.einsum("sa,dak->sdk", weights.astype(np.float64), deals)
    return {name: values.mean(axis=1) for name, values in headline_figures(resampled).items()}


def _resample_weights(n_articles: int, samples: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return rng.multinomial(n_articles, np.full(n_articles, 1 / n_articles), size=samples)


def _supported(counts: np.ndarray) -> dict[str, bool]:
    """Which figures have something gold or predicted behind them (no frame labels, say: no interval)."""
    totals = counts.reshape(-1, counts.shape[-1]).sum(axis=0)
    return {"paragraph_micro_f1": totals[_PARAGRAPHS].sum() > 0,
            "loaded_language_f1": totals[_LOADED_LANGUAGE].sum() > 0,
            "span_f1": totals[_SPANS][1] + totals[_SPANS][3] > 0,  # predicted and gold spans
            "frame_micro_f1": totals[_FRAMES].sum() > 0}


def _percentiles(values: np.ndarray, level: float) -> list[float]:
    tail = (1 - level) / 2 * 100
    return [round(float(np.percentile(values, tail)), 4), round(float(np.percentile(values, 100 - tail)), 4)]


def bootstrap_intervals(counts: np.ndarray, samples: int = BOOTSTRAP_SAMPLES, level: float = 0.95,
                        seed: int = 0) -> Intervals:
    """Percentile intervals of the headline figures over article resamples of `counts`.

    `counts` is [articles, 13], or [deals, articles, 13] for figures averaged over several
    cross-fitting deals: each resample then draws the same articles in every deal and averages
    the deals' figures, as the report does.
    """
    figures = _resampled_figures(counts, _resample_weights(counts.shape[-2], samples, seed))
    supported = _supported(counts)
    return {name: _percentiles(values, level) for name, values in figures.items() if supported[name]}


def paired_differences(old: np.ndarray, new: np.ndarray, samples: int = BOOTSTRAP_SAMPLES, level: float = 0.90,
                       seed: int = 0) -> Intervals:
    """Percentile intervals of each headline figure's difference, new minus old, over article resamples.

    Paired: both versions' `headline_counts` ([articles, 13] or [deals, articles, 13], the same articles
    in the same order) are drawn with the same weights, so what the articles have in common cancels.
    Two versions of one lineage agree on most articles, so a fall can stand out of this interval while
    lying well inside either version's own. The default 90% two-sided level makes the upper bound a
    one-sided 95% one: a fall counts when even that bound is below zero.
    """
    if old.shape[-2:] != new.shape[-2:]:
        raise ValueError(f"paired counts need the same articles: shapes {old.shape} and {new.shape}")
    weights = _resample_weights(new.shape[-2], samples, seed)
    before, after = _resampled_figures(old, weights), _resampled_figures(new, weights)
    supported_old, supported_new = _supported(old), _supported(new)
    return {name: _percentiles(after[name] - before[name], level) for name in after
            if supported_old[name] or supported_new[name]}
