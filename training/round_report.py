"""A correction round's evidence: the model before and after, judged on the same held-out articles.

Both models score the same held-out articles (the lineage's held-out corpus articles and the
held-out share of the fresh annotations); thresholds are cross-fitted over those articles, as in
training, so no article is decoded with thresholds fitted on it. Two figures come out per model:
the corpus figures (with their bootstrap intervals, and the paired intervals of the differences: a
fall counts when it stands out of those; `training.gate`) and how
many of the corrected spans in the held-out fresh sentences it finds (a predicted span of the same
technique overlapping the corrected one).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from framing.model.decoding import build_analysis
from framing.model.schema import Analysis
from framing.model.scores import PreparedText
from framing.training.calibrate import calibrate
from framing.training.documents import Document
from framing.training.evaluate import fold_assignment, scored_articles
from framing.training.loaded_probe import ProbeOutcome
from framing.training.metrics import bootstrap_intervals, paired_differences
from framing.training.reports import Intervals, Summary, mean_report

if TYPE_CHECKING:
    from framing.model.analyzer import Analyzer


@dataclass
class RoundFigures:
    """One model's figures on a round's held-out articles."""

    corpus: Summary | None  # None when no corpus article is held out
    intervals: dict[str, list[float]] | None
    corpus_articles: int
    fresh_found: int  # corrected spans found
    fresh_extra: int  # words marked in the fresh sentences outside every correction of their technique
    fresh_spans: int  # corrected spans in the held-out fresh sentences
    fresh_articles: int
    counts: np.ndarray | None = None  # the corpus articles' `headline_counts` per deal, for paired comparisons

    @property
    def fresh_f1(self) -> float:
        """F1 of the corrected spans' techniques in the fresh sentences (found spans as true positives,
        words marked outside the corrections as false ones)."""
        denominator = 2 * self.fresh_found + self.fresh_extra + (self.fresh_spans - self.fresh_found)
        return 2 * self.fresh_found / denominator if denominator else 0.0


def found_spans(documents: Sequence[Document], prepared: Sequence[PreparedText],
                analyses: Sequence[Analysis]) -> tuple[int, int]:
    """Gold spans that a predicted span (placed words) of the same technique overlaps, and the words
    of predicted spans of a corrected technique that lie outside every gold span of it.

    False marks are counted in words, not spans: a span grown over a whole sentence would otherwise
    "find" the corrected word in it at the cost of one mark at most (or none)."""
    found = extra = 0
    corrected = {s.technique for d in documents for s in d.spans}
    for document, text, analysis in zip(documents, prepared, analyses, strict=True):
        predicted = [(s.label, s.start, s.end) for s in analysis.spans if s.unit == "words" and s.label in corrected]
        gold = [(s.technique, s.start, s.end) for s in document.spans]
        found += sum(any(p[0] == g[0] and p[1] < g[2] and p[2] > g[1] for p in predicted) for g in gold)
        if not predicted:
            continue
        words = [(a, b) for a, b in text.words.tolist()
                 if document.text[a].isalnum()]  # the Analysis's own words, punctuation left out
        for label, start, end in predicted:
            extra += sum(not any(g[0] == label and a < g[2] and b > g[1] for g in gold)
                         for a, b in words if a >= start and b <= end)
    return found, extra


def judge(analyzer: Analyzer, documents: Sequence[Document], fresh_ids: set[str], seed: int = 13,
          assignments: int = 5) -> RoundFigures:
    """The model's figures on held-out `documents`: on the corpus articles with thresholds cross-fitted
    among them (2 folds, `assignments` deals), on the fresh ones (`fresh_ids`) with thresholds fitted on
    all the corpus articles. It takes the loaded model, which the round also runs on the probe."""
    growth = analyzer.thresholds.span_growth  # judged as it decodes
    prepared, scores = analyzer.score([d.text for d in documents])
    corpus = [i for i, d in enumerate(documents) if d.id not in fresh_ids]
    fresh = [i for i, d in enumerate(documents) if d.id in fresh_ids]
    reports, counts = [], []
    # The corpus articles are cross-fitted among themselves: with the fresh sentences in the deal, a
    # version's figures on the same articles moved with how many corrections a round held out
    # (2.5.0 read 0.376 and 0.394 in two rounds; docs/model-experiments.md, section 14).
    for deal in range(assignments if corpus else 0):
        fold_of = fold_assignment(len(corpus), 2, seed + deal)
        slots: list[Analysis | None] = [None] * len(corpus)
        for fold in range(2):
            fit = [corpus[j] for j in range(len(corpus)) if fold_of[j] != fold] or corpus
            thresholds = calibrate([documents[i] for i in fit], [prepared[i] for i in fit], [scores[i] for i in fit],
                                   span_growth=growth)
            for j in np.flatnonzero(fold_of == fold).tolist():
                i = corpus[j]
                slots[j] = build_analysis(prepared[i], scores[i], thresholds, analyzer.info, documents[i].id)
        report, article_counts = scored_articles([documents[i] for i in corpus], [a for a in slots if a is not None])
        reports.append(report)
        counts.append(article_counts)
    found = extra = 0
    if fresh:  # thresholds from the corpus articles (all held-out articles when there are none)
        fit = corpus or list(range(len(documents)))
        thresholds = calibrate([documents[i] for i in fit], [prepared[i] for i in fit], [scores[i] for i in fit],
                               span_growth=growth)
        found, extra = found_spans([documents[i] for i in fresh], [prepared[i] for i in fresh],
                                   [build_analysis(prepared[i], scores[i], thresholds, analyzer.info, documents[i].id)
                                    for i in fresh])
    summary = mean_report(reports).summary() if reports else None
    stacked = np.stack(counts) if counts else None
    return RoundFigures(summary, bootstrap_intervals(stacked) if stacked is not None else None, len(corpus), found,
                        extra, sum(len(documents[i].spans) for i in fresh), len(fresh), stacked)


def paired_intervals(old: RoundFigures, new: RoundFigures) -> Intervals | None:
    """The paired intervals of new minus old on their corpus articles (None without counts); the gate
    judges falls by them and the round prints them."""
    if old.counts is None or new.counts is None:
        return None
    return paired_differences(old.counts, new.counts)


def comparison_lines(old_name: str, old: RoundFigures, new_name: str, new: RoundFigures,
                     probe: tuple[ProbeOutcome, ProbeOutcome] | None = None) -> list[str]:
    """The before/after table `framing retrain` prints."""
    lines = [f"held out: {new.corpus_articles} corpus articles, {new.fresh_articles} fresh annotations "
             f"({new.fresh_spans} corrected spans); thresholds cross-fitted over the corpus articles for both "
             "models"]
    if old.corpus and new.corpus:
        differences = paired_intervals(old, new) or {}
        lines.append(f"{'metric':<22}{old_name:>12}{new_name:>12}   {new_name + ' 95% interval':<22}"
                     "difference, paired 90% interval")
        for metric, value in old.corpus.model_dump().items():
            bounds = (new.intervals or {}).get(metric)
            interval = f"{bounds[0]:.3f}-{bounds[1]:.3f}" if bounds else ""
            paired = differences.get(metric)
            difference = f"{paired[0]:+.3f} to {paired[1]:+.3f}" if paired else ""
            lines.append(f"{metric:<22}{value:>12.3f}{getattr(new.corpus, metric):>12.3f}   {interval:<22}"
                         f"{difference}".rstrip())
    lines.append(f"{'corrected spans found':<22}{old.fresh_found:>12d}{new.fresh_found:>12d}   "
                 f"of {new.fresh_spans}")
    lines.append(f"{'other words (fresh)':<22}{old.fresh_extra:>12d}{new.fresh_extra:>12d}   "
                 "marked with a corrected technique outside its corrections")
    lines.append(f"{'fresh span F1':<22}{old.fresh_f1:>12.3f}{new.fresh_f1:>12.3f}")
    if probe is None:
        lines.append("loaded-language probe: not run (--no-probe, or the package's probe file is missing)")
        return lines
    before, after = probe
    lines.append(f"{'probe recall':<22}{before.recall:>12.3f}{after.recall:>12.3f}   "
                 f"loaded words found, of {len(after.pairs)} pairs (precise point)")
    lines.append(f"{'probe false alarms':<22}{before.false_alarm_rate:>12.3f}{after.false_alarm_rate:>12.3f}   "
                 "neutral words flagged")
    return lines
