"""Per-label thresholds chosen on held-out articles.

Span thresholds maximise each technique's span F1; sentence thresholds then maximise each
technique's paragraph F1 given those spans; frame thresholds maximise article frame F1. A label
with too few held-out examples to trust gets the median of the others, not a noisy fit.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from model.decoding import decode_spans, run_bounds, word_paragraphs
from model.scores import DocumentScores, PreparedText
from model.taxonomy import FRAME_INDEX, FRAMES, TECHNIQUE_INDEX, TECHNIQUES
from model.thresholds import Thresholds
from training.documents import Document
from training.metrics import SpanCounts

GRID = np.round(np.arange(0.05, 0.951, 0.025), 3)
MIN_POSITIVES = 4


def _best(scores: np.ndarray) -> float:
    """Best threshold, taking the middle of a plateau of equally good values."""
    best = np.flatnonzero(scores >= scores.max() - 1e-9)
    return float(GRID[best[len(best) // 2]])


def _f1(tp: np.ndarray, fp: np.ndarray, fn: np.ndarray) -> np.ndarray:
    return np.where(2 * tp + fp + fn > 0, 2 * tp / np.maximum(2 * tp + fp + fn, 1), 0.0)


def _fill_rare(fitted: dict[str, float], support: dict[str, int], default: float) -> dict[str, float]:
    trusted = [fitted[name] for name in fitted if support[name] >= MIN_POSITIVES]
    fallback = float(np.median(trusted)) if trusted else default
    return {name: (fitted[name] if support[name] >= MIN_POSITIVES else fallback) for name in fitted}


def calibrate(documents: Sequence[Document], prepared: Sequence[PreparedText],
              scores: Sequence[DocumentScores]) -> Thresholds:
    thresholds = Thresholds()
    paragraphs = [word_paragraphs(p) for p in prepared]

    span_fit: dict[str, float] = {}
    span_support: dict[str, int] = {}
    for t, name in enumerate(TECHNIQUES):
        gold = [[(s.start, s.end) for s in d.spans if s.technique == name] for d in documents]
        span_support[name] = sum(len(g) for g in gold)
        f1s = np.zeros(len(GRID))
        for g, threshold in enumerate(GRID):
            counts = SpanCounts()
            for doc_gold, p, sc, para in zip(gold, prepared, scores, paragraphs, strict=True):
                starts, ends = run_bounds(sc.word_techniques[:, t], threshold, para)
                counts.add(list(zip(p.words[starts, 0].tolist(), p.words[ends, 1].tolist(), strict=True)),
                           doc_gold)
            f1s[g] = counts.result()["f1"]
        span_fit[name] = _best(f1s)
    thresholds.span = _fill_rare(span_fit, span_support, 0.5)

    # Paragraph-level view: gold labels, span-derived labels, and the best sentence score.
    gold_rows, span_rows, score_rows = [], [], []
    span_thresholds = thresholds.span_array()
    for d, p, sc in zip(documents, prepared, scores, strict=True):
        lines = sorted({s.paragraph for s in p.sentences})
        row_of = {line: i for i, line in enumerate(lines)}
        bounds = {para.index: (para.start, para.end) for para in p.paragraphs}
        gold = np.zeros((len(lines), len(TECHNIQUES)), dtype=bool)
        spans = np.zeros_like(gold)
        best = np.zeros((len(lines), len(TECHNIQUES)))
        for line, i in row_of.items():
            start, end = bounds[line]
            for s in d.spans:
                if s.start < end and s.end > start:
                    gold[i, TECHNIQUE_INDEX[s.technique]] = True
            for t, s_start, s_end, _ in decode_spans(p, sc, span_thresholds):
                if s_start < end and s_end > start:
                    spans[i, t] = True
        for s, sentence in enumerate(p.sentences):
            i = row_of[sentence.paragraph]
            best[i] = np.maximum(best[i], sc.sentence_techniques[s])
        gold_rows.append(gold)
        span_rows.append(spans)
        score_rows.append(best)
    gold, spans, best = np.concatenate(gold_rows), np.concatenate(span_rows), np.concatenate(score_rows)
    sentence_fit: dict[str, float] = {}
    for t, name in enumerate(TECHNIQUES):
        predicted = spans[:, t][None, :] | (best[:, t][None, :] >= GRID[:, None])
        tp = (predicted & gold[:, t]).sum(axis=1)
        fp = (predicted & ~gold[:, t]).sum(axis=1)
        fn = (~predicted & gold[:, t]).sum(axis=1)
        sentence_fit[name] = _best(_f1(tp, fp, fn))
    thresholds.sentence = _fill_rare(sentence_fit, {n: int(gold[:, t].sum()) for t, n in enumerate(TECHNIQUES)}, 0.5)

    framed = [(d, sc) for d, sc in zip(documents, scores, strict=True) if d.frames is not None]
    frame_fit: dict[str, float] = dict.fromkeys(FRAMES, 0.5)
    frame_support = dict.fromkeys(FRAMES, 0)
    if framed:
        gold_frames = np.zeros((len(framed), len(FRAMES)), dtype=bool)
        for i, (d, _) in enumerate(framed):
            for frame in d.frames or []:
                gold_frames[i, FRAME_INDEX[frame]] = True
        article = np.stack([sc.article_frames for _, sc in framed])
        for f, name in enumerate(FRAMES):
            predicted = article[:, f][None, :] >= GRID[:, None]
            tp = (predicted & gold_frames[:, f]).sum(axis=1)
            fp = (predicted & ~gold_frames[:, f]).sum(axis=1)
            fn = (~predicted & gold_frames[:, f]).sum(axis=1)
            frame_fit[name] = _best(_f1(tp, fp, fn))
            frame_support[name] = int(gold_frames[:, f].sum())
    thresholds.frame = _fill_rare(frame_fit, frame_support, 0.5)
    return thresholds
