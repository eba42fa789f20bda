"""Per-label thresholds chosen on held-out articles.

Fitting each label for its own F1 floods the output: for a label the model barely separates,
asserting it almost everywhere beats never asserting it, and micro-F1 (what the task ranks by)
pays for every one of those false positives. So thresholds are fitted jointly: start from each
label's own best, then coordinate ascent on the micro objective, where a label may also be
switched off. Span thresholds maximise technique-level span F1; sentence thresholds then maximise
paragraph micro-F1 given those spans; frame thresholds maximise article frame micro-F1. A label
with too few held-out examples to fit gets the most conservative threshold of the fitted ones.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from model.decoding import edge_words, run_bounds, word_paragraphs
from model.scores import DocumentScores, PreparedText
from model.taxonomy import FRAME_INDEX, FRAMES, TECHNIQUE_INDEX, TECHNIQUES
from model.thresholds import Thresholds
from training.documents import Document
from training.metrics import SpanCounts

OFF = 1.01  # above any probability: the label is never asserted
GRID = np.append(np.round(np.arange(0.05, 0.951, 0.025), 3), OFF)
MIN_POSITIVES = 4
ROUNDS = 6


def _f1(p_num: np.ndarray, p_den: np.ndarray, r_num: np.ndarray, r_den: np.ndarray) -> np.ndarray:
    precision = np.where(p_den > 0, p_num / np.maximum(p_den, 1e-12), 0.0)
    recall = np.where(r_den > 0, r_num / np.maximum(r_den, 1e-12), 0.0)
    return np.where(precision + recall > 0, 2 * precision * recall / np.maximum(precision + recall, 1e-12), 0.0)


def _middle_of_best(scores: np.ndarray) -> int:
    """Index of the best value, taking the middle of a plateau of equally good ones."""
    best = np.flatnonzero(scores >= scores.max() - 1e-9)
    return int(best[len(best) // 2])


def joint_thresholds(p_num: np.ndarray, p_den: np.ndarray, r_num: np.ndarray, r_den: np.ndarray,
                     fitted: np.ndarray) -> np.ndarray:
    """Grid index per label maximising micro-F1 = F1(sum p_num / sum p_den, sum r_num / sum r_den).

    Arrays are [n_labels, n_grid]; `fitted` marks the labels whose threshold may be fitted (the
    others contribute nothing and are filled in afterwards).
    """
    n_labels = p_num.shape[0]
    choice = np.array([_middle_of_best(_f1(p_num[i], p_den[i], r_num[i], r_den[i])) for i in range(n_labels)])
    choice[~fitted] = len(GRID) - 1
    rows = np.arange(n_labels)
    for _ in range(ROUNDS):
        changed = False
        for i in np.flatnonzero(fitted):
            mask = rows != i
            others = [a[mask, choice[mask]].sum() for a in (p_num, p_den, r_num, r_den)]
            totals = [others[k] + a[i] for k, a in enumerate((p_num, p_den, r_num, r_den))]
            best = _middle_of_best(_f1(*totals))
            if best != choice[i]:
                choice[i], changed = best, True
        if not changed:
            break
    return choice


def _thresholds(choice: np.ndarray, support: np.ndarray, names: tuple[str, ...]) -> dict[str, float]:
    fitted = support >= MIN_POSITIVES
    values = GRID[choice]
    asserted = values[fitted & (values < OFF)]
    fallback = float(asserted.max()) if len(asserted) else 0.5
    return {name: float(values[i]) if fitted[i] else fallback for i, name in enumerate(names)}


def _counts_from_confusion(tp: np.ndarray, fp: np.ndarray, fn: np.ndarray):
    return tp, tp + fp, tp, tp + fn


def calibrate(documents: Sequence[Document], prepared: Sequence[PreparedText],
              scores: Sequence[DocumentScores]) -> Thresholds:
    thresholds = Thresholds()
    n_t, n_g = len(TECHNIQUES), len(GRID)
    paragraphs = [word_paragraphs(p) for p in prepared]
    edges = [edge_words(p) for p in prepared]
    line_rows = [sorted({s.paragraph for s in p.sentences}) for p in prepared]
    n_lines = sum(len(rows) for rows in line_rows)

    # Spans: partial-overlap sums per technique and threshold; which lines each decoding touches.
    span_counts = np.zeros((4, n_t, n_g))
    span_lines = np.zeros((n_t, n_g, n_lines), dtype=bool)
    for t, name in enumerate(TECHNIQUES):
        for g, threshold in enumerate(GRID):
            counts, offset = SpanCounts(), 0
            for d, p, sc, para, edge, rows in zip(documents, prepared, scores, paragraphs, edges, line_rows,
                                                  strict=True):
                starts, ends = run_bounds(sc.word_techniques[:, t], threshold, para, edge)
                counts.add(list(zip(p.words[starts, 0].tolist(), p.words[ends, 1].tolist(), strict=True)),
                           [(s.start, s.end) for s in d.spans if s.technique == name])
                if len(starts):
                    touched = {int(line) for a, b in zip(starts, ends, strict=True) for line in para[a : b + 1]}
                    row_of = {line: offset + i for i, line in enumerate(rows)}
                    span_lines[t, g, [row_of[line] for line in touched if line in row_of]] = True
                offset += len(rows)
            span_counts[:, t, g] = (counts.precision_sum, counts.n_predicted, counts.recall_sum, counts.n_gold)
    span_support = span_counts[3, :, 0]
    span_choice = joint_thresholds(*span_counts, fitted=span_support >= MIN_POSITIVES)
    thresholds.span = _thresholds(span_choice, span_support, TECHNIQUES)

    # Paragraphs (lines): gold labels and the best sentence score on each line.
    gold = np.zeros((n_lines, n_t), dtype=bool)
    best = np.zeros((n_lines, n_t))
    offset = 0
    for d, p, sc, rows in zip(documents, prepared, scores, line_rows, strict=True):
        row_of = {line: offset + i for i, line in enumerate(rows)}
        bounds = {para.index: (para.start, para.end) for para in p.paragraphs}
        for line, row in row_of.items():
            start, end = bounds[line]
            for s in d.spans:
                if s.start < end and s.end > start:
                    gold[row, TECHNIQUE_INDEX[s.technique]] = True
        for s, sentence in enumerate(p.sentences):
            row = row_of[sentence.paragraph]
            best[row] = np.maximum(best[row], sc.sentence_techniques[s])
        offset += len(rows)
    span_grid = np.array([int(np.argmin(np.abs(GRID - thresholds.span[name]))) for name in TECHNIQUES])
    tp, fp, fn = (np.zeros((n_t, n_g)) for _ in range(3))
    for t in range(n_t):
        predicted = span_lines[t, span_grid[t]][None, :] | (best[:, t][None, :] >= GRID[:, None])
        tp[t] = (predicted & gold[:, t]).sum(axis=1)
        fp[t] = (predicted & ~gold[:, t]).sum(axis=1)
        fn[t] = (~predicted & gold[:, t]).sum(axis=1)
    line_support = gold.sum(axis=0)
    sentence_choice = joint_thresholds(*_counts_from_confusion(tp, fp, fn), fitted=line_support >= MIN_POSITIVES)
    thresholds.sentence = _thresholds(sentence_choice, line_support, TECHNIQUES)

    framed = [(d, sc) for d, sc in zip(documents, scores, strict=True) if d.frames is not None]
    if framed:
        gold_frames = np.zeros((len(framed), len(FRAMES)), dtype=bool)
        for i, (d, _) in enumerate(framed):
            for frame in d.frames or []:
                gold_frames[i, FRAME_INDEX[frame]] = True
        article = np.stack([sc.article_frames for _, sc in framed])
        predicted = article.T[:, None, :] >= GRID[None, :, None]  # [frames, grid, articles]
        truth = gold_frames.T[:, None, :]
        tp, fp, fn = ((predicted & truth).sum(-1), (predicted & ~truth).sum(-1), (~predicted & truth).sum(-1))
        frame_support = gold_frames.sum(axis=0)
        frame_choice = joint_thresholds(*_counts_from_confusion(tp.astype(float), fp.astype(float),
                                                                fn.astype(float)), fitted=frame_support >= 1)
        thresholds.frame = _thresholds(frame_choice, frame_support, FRAMES)
    return thresholds
