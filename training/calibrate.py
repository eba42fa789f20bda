"""Per-label thresholds chosen on held-out articles.

Fitting each label for its own F1 floods the output: for a label the model barely separates,
asserting it almost everywhere beats never asserting it, and micro-F1 (what the task ranks by)
pays for every one of those false positives. So thresholds are fitted jointly: start from each
label's own best, then coordinate ascent on the micro objective, where a label may also be
switched off. Span thresholds maximise technique-level span F1, choosing per technique both the
threshold and the unit spans are cut in (runs of words, or whole flagged sentences, see
`model.thresholds`); sentence thresholds then maximise paragraph micro-F1 given those spans;
frame thresholds maximise article frame micro-F1. A label with too few held-out examples to fit
gets the most conservative threshold of the fitted ones.

Span thresholds are then moved once more, for the sum of span-identification F1 (techniques
ignored, the SemEval-2020 task 11 figure) and technique span F1: a loaded word found under a
neighbouring technique's label is still a find for the reader. Identification F1 alone would
switch on every technique at a low threshold (on 2.0's out-of-fold scores, 201 articles
cross-fitted over three folds: paragraph micro-F1 0.399 -> 0.285, technique span F1 0.186 ->
0.110); with the technique figure beside it, identification F1 rose 0.365 -> 0.387 with paragraph
micro-F1 and technique span F1 unchanged (0.399, 0.186 -> 0.188). Over all five folds (334
articles): identification F1 0.349 -> 0.373, paragraph micro-F1 0.397 -> 0.395, technique span F1
0.188 -> 0.178, Loaded_Language paragraph F1 0.529 -> 0.520 (docs/model-experiments.md, section 4).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from framing.model.decoding import SPAN_GROWTH, SpanLayout, span_bounds, word_supported
from framing.model.scores import DocumentScores, PreparedText
from framing.model.taxonomy import FRAME_INDEX, FRAMES, TECHNIQUE_INDEX, TECHNIQUES
from framing.model.thresholds import SENTENCE, SPAN_UNITS, WORD, SpanGrowth, Thresholds
from framing.training.documents import Document
from framing.training.metrics import SpanCounts, gold_paragraph_labels
from framing.training.span_identification import Bounds, IdentificationAxis

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

    Arrays are [n_labels, n_options], the last option being OFF; `fitted` marks the labels whose
    threshold may be fitted (the others stay OFF while fitting and are filled in afterwards).
    """
    n_labels = p_num.shape[0]
    choice = np.array([_middle_of_best(_f1(p_num[i], p_den[i], r_num[i], r_den[i])) for i in range(n_labels)])
    choice[~fitted] = p_num.shape[1] - 1  # the last option is OFF
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


def _joint(counts: Sequence[np.ndarray] | np.ndarray, fitted: np.ndarray) -> np.ndarray:
    """`joint_thresholds` of stacked counts (p_num, p_den, r_num, r_den)."""
    p_num, p_den, r_num, r_den = counts
    return joint_thresholds(p_num, p_den, r_num, r_den, fitted)


def _thresholds(choice: np.ndarray, support: np.ndarray, names: tuple[str, ...]) -> dict[str, float]:
    fitted = support >= MIN_POSITIVES
    values = GRID[choice]
    asserted = values[fitted & (values < OFF)]
    fallback = float(asserted.max()) if len(asserted) else 0.5
    return {name: float(values[i]) if fitted[i] else fallback for i, name in enumerate(names)}


def _counts_from_confusion(tp: np.ndarray, fp: np.ndarray,
                           fn: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    return tp, tp + fp, tp, tp + fn


CLAUSE_LONG = 0.5  # median share of its sentence that a technique's spans cover


def _clause_long(documents: Sequence[Document], prepared: Sequence[PreparedText]) -> np.ndarray:
    """[technique]: whether its annotated spans typically cover most of their sentence."""
    shares: list[list[float]] = [[] for _ in TECHNIQUES]
    for d, p in zip(documents, prepared, strict=True):
        starts = np.array([s.start for s in p.sentences], dtype=np.int64)
        for span in d.spans:
            if not len(starts):
                break
            sentence = p.sentences[max(int(np.searchsorted(starts, span.start, side="right")) - 1, 0)]
            shares[TECHNIQUE_INDEX[span.technique]].append(
                (span.end - span.start) / max(sentence.end - sentence.start, 1))
    return np.array([bool(values) and float(np.median(values)) >= CLAUSE_LONG for values in shares])


@dataclass
class _Heldout:
    """The held-out articles with their scores and the layouts every fitting step decodes them with."""

    documents: Sequence[Document]
    prepared: Sequence[PreparedText]
    scores: Sequence[DocumentScores]
    layouts: list[SpanLayout]
    line_rows: list[list[int]]  # per article, its lines (paragraph numbers) that hold a sentence
    axis: IdentificationAxis  # all articles on one character axis, for span-identification F1
    growth: SpanGrowth  # how far word-unit spans grow (`Thresholds.span_growth`)
    # (technique, unit, grid index) -> that option's spans on `axis`, kept by `span_counts`
    candidates: dict[tuple[int, int, int], Bounds] = field(default_factory=dict)

    @classmethod
    def of(cls, documents: Sequence[Document], prepared: Sequence[PreparedText],
           scores: Sequence[DocumentScores], growth: SpanGrowth) -> _Heldout:
        axis = IdentificationAxis([len(p.text) for p in prepared],
                                  [[(s.start, s.end) for s in d.spans] for d in documents])
        return cls(documents, prepared, scores, [SpanLayout.of(p) for p in prepared],
                   [sorted({s.paragraph for s in p.sentences}) for p in prepared], axis, growth)

    @property
    def n_lines(self) -> int:
        return sum(len(rows) for rows in self.line_rows)

    def spans_of(self, i: int, t: int, unit: str, threshold: float) -> tuple[np.ndarray, np.ndarray]:
        return span_bounds(self.layouts[i], unit, self.scores[i].word_techniques[:, t],
                           self.scores[i].sentence_techniques[:, t], threshold, self.growth)

    def span_counts(self) -> np.ndarray:
        """[4, technique, unit, threshold]: partial-overlap sums (precision sum, predicted, recall sum, gold).

        Each option's spans are also kept on the identification axis (`candidates`), so that the
        identification pass does not decode them again."""
        counts_by = np.zeros((4, len(TECHNIQUES), len(SPAN_UNITS), len(GRID)))
        for t, name in enumerate(TECHNIQUES):
            gold_spans = [[(s.start, s.end) for s in d.spans if s.technique == name] for d in self.documents]
            for u, unit in enumerate(SPAN_UNITS):
                for g, threshold in enumerate(GRID):
                    counts = SpanCounts()
                    bounds = []
                    for i, p in enumerate(self.prepared):
                        starts, ends = self.spans_of(i, t, unit, threshold)
                        bounds.append((p.words[starts, 0], p.words[ends, 1]))
                        counts.add(list(zip(bounds[-1][0].tolist(), bounds[-1][1].tolist(), strict=True)),
                                   gold_spans[i])
                    counts_by[:, t, u, g] = (counts.precision_sum, counts.n_predicted, counts.recall_sum,
                                             counts.n_gold)
                    self.candidates[t, u, g] = self.axis.bounds(bounds)
        return counts_by

    def span_lines(self, thresholds: Thresholds) -> np.ndarray:
        """[technique, line]: the lines the spans of `thresholds` touch."""
        lines = np.zeros((len(TECHNIQUES), self.n_lines), dtype=bool)
        for t, name in enumerate(TECHNIQUES):
            offset = 0
            for i, rows in enumerate(self.line_rows):
                starts, ends = self.spans_of(i, t, thresholds.span_unit[name], thresholds.span[name])
                row_of = {line: offset + k for k, line in enumerate(rows)}
                touched = {int(line) for a, b in zip(starts, ends, strict=True)
                           for line in self.layouts[i].paragraph[a : b + 1]}
                lines[t, [row_of[line] for line in touched if line in row_of]] = True
                offset += len(rows)
        return lines

    def line_labels(self) -> tuple[np.ndarray, np.ndarray]:
        """[line, technique]: gold labels of each line and the best sentence score on it."""
        gold = np.zeros((self.n_lines, len(TECHNIQUES)), dtype=bool)
        best = np.zeros((self.n_lines, len(TECHNIQUES)))
        offset = 0
        for d, p, sc, rows, layout in zip(self.documents, self.prepared, self.scores, self.line_rows, self.layouts,
                                          strict=True):
            row_of = {line: offset + i for i, line in enumerate(rows)}
            supported = word_supported(sc, layout)  # the sentence scores decoding asserts from
            # Every non-empty line holds a sentence, so the metric's lines are these rows, in order.
            labelled = gold_paragraph_labels(d.text, [(s.technique, s.start, s.end) for s in d.spans])
            assert len(labelled) == len(rows), "segmentation lines and metric lines disagree"
            for k, labels in enumerate(labelled):
                gold[offset + k, [TECHNIQUE_INDEX[name] for name in labels]] = True
            for s, sentence in enumerate(p.sentences):
                row = row_of[sentence.paragraph]
                best[row] = np.maximum(best[row], supported[s])
            offset += len(rows)
        return gold, best


def _set_spans(thresholds: Thresholds, unit: np.ndarray, grid: np.ndarray, support: np.ndarray) -> None:
    fitted = support >= MIN_POSITIVES
    thresholds.span = _thresholds(grid, support, TECHNIQUES)
    thresholds.span_unit = {name: SPAN_UNITS[unit[t]] if fitted[t] and GRID[grid[t]] < OFF else WORD
                            for t, name in enumerate(TECHNIQUES)}


def _fit_identification(heldout: _Heldout, thresholds: Thresholds, span_counts: np.ndarray,
                        support: np.ndarray) -> None:
    """Coordinate ascent of each fitted technique's span threshold, in the unit it has, on
    identification F1 + technique span micro-F1. A sentence-unit threshold stays at or above the
    technique's sentence threshold (as in `calibrate`), so it never adds paragraph labels.
    `span_counts` must have come from `heldout.span_counts()` (which keeps the candidates' spans)."""
    axis = heldout.axis
    cache: dict[tuple[int, int, int], np.ndarray] = {}

    def coverage(t: int, u: int, g: int) -> np.ndarray:
        if (t, u, g) not in cache:
            cache[t, u, g] = axis.count(*heldout.candidates[t, u, g])
        return cache[t, u, g]

    index = {name: int(np.argmin(np.abs(GRID - thresholds.span[name]))) for name in TECHNIQUES}
    units = [thresholds.span_unit[name] for name in TECHNIQUES]
    unit_index = [SPAN_UNITS.index(unit) for unit in units]
    technique = [span_counts[:, t, unit_index[t], index[name]] for t, name in enumerate(TECHNIQUES)]
    covered = sum((coverage(t, unit_index[t], index[name]) for t, name in enumerate(TECHNIQUES)),
                  np.zeros(axis.size, dtype=np.int32))
    fitted = support >= MIN_POSITIVES
    for _ in range(ROUNDS):
        changed = False
        for t in map(int, np.flatnonzero(fitted)):
            name = TECHNIQUES[t]
            others = covered - coverage(t, unit_index[t], index[name])
            labelled = sum(technique) - technique[t]
            floor = thresholds.sentence[name] if units[t] == SENTENCE else 0.0
            options = np.flatnonzero(floor - 1e-9 <= GRID)
            objective = [axis.f1((others + coverage(t, unit_index[t], int(g))) > 0)
                         + float(_f1(*(labelled + span_counts[:, t, unit_index[t], g]))) for g in options]
            best = int(options[_middle_of_best(np.array(objective))])
            if best != index[name]:
                index[name], changed = best, True
                technique[t] = span_counts[:, t, unit_index[t], best]
                covered = others + coverage(t, unit_index[t], best)
        if not changed:
            break
    _set_spans(thresholds, np.array(unit_index), np.array([index[name] for name in TECHNIQUES]), support)


def _fit_paragraphs(heldout: _Heldout, thresholds: Thresholds, gold: np.ndarray, best: np.ndarray) -> None:
    """Sentence thresholds maximising paragraph micro-F1, given the spans already in `thresholds`."""
    n_t, n_g = len(TECHNIQUES), len(GRID)
    lines = heldout.span_lines(thresholds)
    line_support = gold.sum(axis=0)
    tp, fp, fn = (np.zeros((n_t, n_g)) for _ in range(3))
    for t in range(n_t):
        predicted = lines[t][None, :] | (best[:, t][None, :] >= GRID[:, None])
        tp[t] = (predicted & gold[:, t]).sum(axis=1)
        fp[t] = (predicted & ~gold[:, t]).sum(axis=1)
        fn[t] = (~predicted & gold[:, t]).sum(axis=1)
    choice = _joint(_counts_from_confusion(tp, fp, fn), line_support >= MIN_POSITIVES)
    thresholds.sentence = _thresholds(choice, line_support, TECHNIQUES)


def _frame_thresholds(documents: Sequence[Document], scores: Sequence[DocumentScores]) -> dict[str, float] | None:
    """Article frame thresholds maximising frame micro-F1 (None when no article has frame labels)."""
    framed = [(d, sc) for d, sc in zip(documents, scores, strict=True) if d.frames is not None]
    if not framed:
        return None
    gold_frames = np.zeros((len(framed), len(FRAMES)), dtype=bool)
    for i, (d, _) in enumerate(framed):
        for frame in d.frames or []:
            gold_frames[i, FRAME_INDEX[frame]] = True
    article = np.stack([sc.article_frames for _, sc in framed])
    predicted = article.T[:, None, :] >= GRID[None, :, None]  # [frames, grid, articles]
    truth = gold_frames.T[:, None, :]
    tp, fp, fn = ((predicted & truth).sum(-1), (predicted & ~truth).sum(-1), (~predicted & truth).sum(-1))
    frame_support = gold_frames.sum(axis=0)
    frame_choice = _joint(_counts_from_confusion(tp.astype(float), fp.astype(float), fn.astype(float)),
                          frame_support >= 1)
    return _thresholds(frame_choice, frame_support, FRAMES)


def calibrate(documents: Sequence[Document], prepared: Sequence[PreparedText],
              scores: Sequence[DocumentScores], span_growth: SpanGrowth = SPAN_GROWTH) -> Thresholds:
    """Spans by word first, paragraphs given those, then sentence-unit spans where they help, then
    span thresholds for identification beside technique F1, then paragraphs again.

    A sentence-unit span asserts its technique on the sentence, so it may only use thresholds at
    or above the one the paragraph fit chose for that technique: cutting spans by sentence never
    adds paragraph labels that the paragraph objective turned down.
    """
    thresholds = Thresholds(span_growth=span_growth)
    n_t, n_g = len(TECHNIQUES), len(GRID)
    heldout = _Heldout.of(documents, prepared, scores, span_growth)
    span_counts = heldout.span_counts()
    span_support = span_counts[3, :, 0, 0]
    span_fitted = span_support >= MIN_POSITIVES
    gold, best = heldout.line_labels()

    # 1. Word spans, and paragraphs given them.
    word_choice = _joint(span_counts[:, :, 0], span_fitted)
    _set_spans(thresholds, np.zeros(n_t, dtype=np.int64), word_choice, span_support)
    _fit_paragraphs(heldout, thresholds, gold, best)
    # 2. Each technique may switch to sentence spans at or above its sentence threshold. The
    # options of a technique are the word grid then the sentence grid (one shared OFF at the end).
    # Only techniques annotated on most of a sentence may switch: highlighting a whole sentence
    # for a two-word name-calling would please the overlap metric and fail the reader.
    sentence_floor = np.array([thresholds.sentence[name] for name in TECHNIQUES])
    sentence_options = span_counts[:, :, 1].copy()
    below = (GRID[None, :] < sentence_floor[:, None] - 1e-9) | ~_clause_long(documents, prepared)[:, None]
    sentence_options[:3, below] = 0.0  # barred options count as OFF, and become OFF if chosen
    options = np.concatenate([span_counts[:, :, 0, : n_g - 1], sentence_options], axis=-1)
    choice = _joint(options, span_fitted)
    barred = np.concatenate([np.zeros((n_t, n_g - 1), dtype=bool), below], axis=-1)
    choice[barred[np.arange(n_t), choice]] = options.shape[-1] - 1
    unit = (choice >= n_g - 1).astype(np.int64)
    _set_spans(thresholds, unit, choice - unit * (n_g - 1), span_support)
    # 3. Span thresholds once more, for identification F1 beside technique span F1.
    _fit_identification(heldout, thresholds, span_counts, span_support)
    # 4. Paragraphs again, given the final spans.
    _fit_paragraphs(heldout, thresholds, gold, best)

    frames = _frame_thresholds(documents, scores)
    if frames is not None:
        thresholds.frame = frames
    return thresholds


RECALL_TARGET = 0.7  # issue 14: the sensitive point aims at this recall per technique
PRECISION_FLOOR = 0.25  # below it, three highlights in four are wrong and readers learn to ignore them
# ...unless the precise point itself sits below it: partial-overlap precision of Loaded_Language and
# Name_Calling is about 0.22 at their precise thresholds on the shipped model's held-out articles
# (the corpus leaves many loaded words unannotated), so an absolute floor of 0.25 ruled out every
# threshold and the sensitive point fell back to the precise one. The floor is then this share of
# the precise point's own precision: at most half as precise as the precise point.
RELATIVE_FLOOR = 0.5
BETA = 2.0  # where the target is out of reach: recall weighs four times precision (F2)


def _sensitive_choice(p_num: np.ndarray, p_den: np.ndarray, r_num: np.ndarray, r_den: np.ndarray,
                      ceiling: float) -> float | None:
    """The sensitive threshold of one label from its counts over GRID, never above `ceiling`.

    The highest threshold whose held-out recall reaches RECALL_TARGET with precision at or above
    the floor (the fewest false alarms that meet the target); where none does, the F2 optimum
    among the thresholds that keep the floor; None (keep the precise one) where no threshold keeps
    the floor with any recall at all. The floor is PRECISION_FLOOR, or RELATIVE_FLOOR times the
    precision at `ceiling` (the precise threshold) where that is lower.
    """
    allowed = ceiling + 1e-9 >= GRID
    precision = np.where(p_den > 0, p_num / np.maximum(p_den, 1e-12), 0.0)
    recall = np.where(r_den > 0, r_num / np.maximum(r_den, 1e-12), 0.0)
    at_ceiling = precision[int(np.flatnonzero(allowed).max())] if allowed.any() else 0.0
    floor = min(PRECISION_FLOOR, RELATIVE_FLOOR * at_ceiling) if at_ceiling > 0 else PRECISION_FLOOR
    sane = allowed & (precision >= floor - 1e-12) & (recall > 0)
    meets = np.flatnonzero(sane & (recall >= RECALL_TARGET - 1e-9))
    if len(meets):
        return float(GRID[meets.max()])
    if not sane.any():
        return None
    weight = BETA**2
    f_beta = np.where(sane, (1 + weight) * precision * recall / np.maximum(weight * precision + recall, 1e-12), -1.0)
    best = np.flatnonzero(f_beta >= f_beta.max() - 1e-9)
    return float(GRID[best.max()])


def sensitive_thresholds(documents: Sequence[Document], prepared: Sequence[PreparedText],
                         scores: Sequence[DocumentScores], precise: Thresholds) -> Thresholds:
    """The `sensitive` operating point: per technique, thresholds fitted for recall on the same
    held-out articles `precise` was fitted on, each at or below its precise one.

    Span thresholds are fitted on technique span recall in the unit precise chose, then sentence
    thresholds on paragraph recall given those spans, each with `_sensitive_choice`. Frames keep
    their precise thresholds: the point is about what gets highlighted, and frame recall is not
    what readers miss. A technique with fewer than MIN_POSITIVES held-out examples keeps its
    precise thresholds, since a recall measured on three examples picks a threshold at random.
    """
    sensitive = Thresholds(span=dict(precise.span), sentence=dict(precise.sentence), frame=dict(precise.frame),
                           span_unit=dict(precise.span_unit), span_growth=precise.span_growth)
    heldout = _Heldout.of(documents, prepared, scores, precise.span_growth)
    span_counts = heldout.span_counts()
    span_support = span_counts[3, :, 0, 0]
    for t, name in enumerate(TECHNIQUES):
        if span_support[t] < MIN_POSITIVES:
            continue
        unit = SPAN_UNITS.index(precise.span_unit[name])
        p_num, p_den, r_num, r_den = span_counts[:, t, unit]
        chosen = _sensitive_choice(p_num, p_den, r_num, r_den, precise.span[name])
        if chosen is not None:
            sensitive.span[name] = chosen
    gold, best = heldout.line_labels()
    lines = heldout.span_lines(sensitive)
    for t, name in enumerate(TECHNIQUES):
        if gold[:, t].sum() < MIN_POSITIVES:
            continue
        predicted = lines[t][None, :] | (best[:, t][None, :] >= GRID[:, None])
        tp = (predicted & gold[:, t]).sum(axis=1).astype(float)
        fp = (predicted & ~gold[:, t]).sum(axis=1).astype(float)
        fn = (~predicted & gold[:, t]).sum(axis=1).astype(float)
        chosen = _sensitive_choice(*_counts_from_confusion(tp, fp, fn), precise.sentence[name])
        if chosen is not None:
            sensitive.sentence[name] = chosen
    return sensitive
