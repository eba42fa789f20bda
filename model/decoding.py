"""Turns probabilities into the `Analysis`: spans snapped to words, sentence and article labels.

Spans are cut in the unit calibration chose for each technique (see `model.thresholds`):
- word: runs of consecutive words whose probability for the technique clears its threshold; a
  run never crosses a sentence (nor so a line break);
- sentence: the whole sentence, when the sentence score for the technique clears the threshold.
A word span neither starts nor ends on a function word or punctuation mark (a lone "the" or
"on" is never a span); a sentence span is the sentence without its surrounding punctuation. A
sentence uses a technique when a span of it overlaps the sentence or when the sentence-level head
asserts it on its own.

Every technique a sentence uses is visible in it: where the sentence-level head asserts a technique
and no span of it overlaps the sentence, the whole sentence (without its surrounding punctuation)
is marked with a span of unit "sentence" (`unplaced_spans`; a sentence of punctuation only has
nothing to mark). Spans the decoder placed have unit
"words"; span metrics score only those, so the figures measure word placement as before.

Loaded language and name calling live in words: the sentence-level head may assert them only in a
sentence where the word-level head sees some of it (a word scoring at least WORD_EVIDENCE_FLOOR).
Without that, a sentence shaped like those the head learnt from ("Police moved the protesters
back") was marked whole as name calling with no word to show for it (`word_supported`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from framing.model.language import foreign_script_warning
from framing.model.schema import Analysis, AnalysisWarning, LabelScore, ModelInfo, SentenceAnalysis, Span
from framing.model.scores import DocumentScores, PreparedText, logit
from framing.model.segmentation import snap_to_graphemes
from framing.model.taxonomy import FRAMES, TECHNIQUE_INDEX, TECHNIQUES
from framing.model.thresholds import SENTENCE, SpanGrowth, Thresholds

NO_GROWTH = SpanGrowth()

EDGE_WORDS = frozenset((
    "a", "an", "the", "and", "or", "but", "nor", "so", "yet", "of", "in", "on", "at", "to", "for", "from",
    "by", "with", "as", "into", "onto", "upon", "about", "over", "under", "than", "that", "which", "who",
    "whom", "whose", "this", "these", "those", "is", "are", "was", "were", "be", "been", "being", "has",
    "have", "had", "do", "does", "did", "will", "would", "shall", "should", "can", "could", "may", "might",
    "must", "it", "its", "it's", "they", "their", "them", "he", "his", "him", "she", "her", "we", "our", "us",
    "you", "your", "i", "my", "me", "s", "'s", "’s",
))


# Hysteresis and bridging: a word-unit span grows from a word at or above its technique's
# threshold over the neighbours at or above 0.8 of it, and spans at most two connectives or
# punctuation marks apart join. Annotators mark the whole phrase ("radical Islamist terrorists",
# "lies, smears and slander"), the network peaks on its core; cut at one threshold, spans came out
# as fragments. Over the five folds' out-of-fold scores, thresholds refitted for it: span F1 0.374
# -> 0.389, technique span F1 0.179 -> 0.192, paragraph micro-F1 0.391 -> 0.392
# (docs/model-experiments.md, section 6).
SPAN_GROWTH = SpanGrowth(extension=0.8, bridge=2)


def run_bounds(probabilities: np.ndarray, threshold: float, sentence: np.ndarray,
               edge: np.ndarray | None = None, growth: SpanGrowth = NO_GROWTH) -> tuple[np.ndarray, np.ndarray]:
    """First and last word of each span: maximal runs at or above `growth.extension` x threshold
    that hold a word at or above threshold, joined across gaps of up to `growth.bridge` `edge`
    words (any words, without `edge`), never across a sentence (a span belongs to one sentence: its
    `sentence` field, and the reader's "thugs. Corrupt elites" is two highlights); trimmed of `edge`
    words at both ends (runs of edge words only are dropped)."""
    above = probabilities >= growth.extension * threshold
    same_sentence = sentence[1:] == sentence[:-1]  # word i+1 is in word i's sentence
    joins_previous = np.concatenate([[False], above[:-1] & same_sentence])
    joins_next = np.concatenate([above[1:] & same_sentence, [False]])
    starts, ends = np.flatnonzero(above & ~joins_previous), np.flatnonzero(above & ~joins_next)
    if growth.extension < 1.0 and len(starts):
        peaks = np.concatenate([[0], np.cumsum(probabilities >= threshold)])
        keep = peaks[ends + 1] > peaks[starts]
        starts, ends = starts[keep], ends[keep]
    if growth.bridge and len(starts) > 1:
        joined = (starts[1:] - ends[:-1] - 1 <= growth.bridge) & (sentence[starts[1:]] == sentence[ends[:-1]])
        if edge is not None:  # only across connectives and punctuation: "lies, smears and slander"
            content = np.concatenate([[0], np.cumsum(~edge)])
            joined &= content[starts[1:]] == content[ends[:-1] + 1]
        starts, ends = starts[np.concatenate([[True], ~joined])], ends[np.concatenate([~joined, [True]])]
    if edge is None or len(starts) == 0:
        return starts, ends
    index = np.arange(len(edge))
    next_content = np.minimum.accumulate(np.where(edge, len(edge), index)[::-1])[::-1]
    previous_content = np.maximum.accumulate(np.where(edge, -1, index))
    starts, ends = next_content[starts], previous_content[ends]
    keep = starts <= ends
    return starts[keep], ends[keep]


def word_paragraphs(prepared: PreparedText) -> np.ndarray:
    if len(prepared.sentences) == 0:
        return np.zeros(len(prepared.words), dtype=np.int64)
    paragraph_of_sentence = np.array([s.paragraph for s in prepared.sentences])
    return paragraph_of_sentence[prepared.word_sentence]


@dataclass
class SpanLayout:
    """What span decoding needs to know about a text, computed once per text."""

    paragraph: np.ndarray  # [n_words] line of each word
    sentence: np.ndarray  # [n_words] sentence of each word: no span crosses one
    edge: np.ndarray  # [n_words] words a span may not start or end on
    sentence_first: np.ndarray  # [n_sentences] first word (not punctuation) of each sentence, -1 if none
    sentence_last: np.ndarray  # [n_sentences] last word (not punctuation) of each sentence, -1 if none

    @classmethod
    def of(cls, prepared: PreparedText) -> SpanLayout:
        words = [prepared.text[a:b] for a, b in prepared.words]
        wordlike = np.array([word[0].isalnum() for word in words], dtype=bool)
        # A word span may not start or end on punctuation or a function word; a sentence span
        # drops only surrounding punctuation and quotes: the sentence "Is any of this true?" is the
        # span "Is any of this true".
        edge = ~wordlike | np.array([word.lower() in EDGE_WORDS for word in words], dtype=bool)
        first = np.full(len(prepared.sentences), -1, dtype=np.int64)
        last = np.full(len(prepared.sentences), -1, dtype=np.int64)
        content = np.flatnonzero(wordlike) if len(prepared.sentences) else np.zeros(0, dtype=np.int64)
        sentence = prepared.word_sentence[content]
        # Assigning in word order leaves the last word of each sentence in `last`, and in
        # reverse order the first one in `first`.
        last[sentence] = content
        first[sentence[::-1]] = content[::-1]
        return cls(word_paragraphs(prepared), prepared.word_sentence, edge, first, last)


WORD_EVIDENCE_TECHNIQUES = tuple(TECHNIQUE_INDEX[name] for name in ("Loaded_Language", "Name_Calling-Labeling"))
WORD_EVIDENCE_FLOOR = 0.1


def word_supported(scores: DocumentScores, layout: SpanLayout | None) -> np.ndarray:
    """[sentence, technique] sentence scores, with the word-level techniques zeroed in the sentences
    none of whose words scores WORD_EVIDENCE_FLOOR for them; decoding and calibration both read these."""
    supported = scores.sentence_techniques.copy()
    columns = list(WORD_EVIDENCE_TECHNIQUES)
    for s in range(len(supported)):
        first = -1 if layout is None else int(layout.sentence_first[s])
        if first < 0:  # no words: nothing can support a word-level technique
            supported[s, columns] = 0.0
            continue
        assert layout is not None
        evidence = scores.word_techniques[first : int(layout.sentence_last[s]) + 1][:, columns].max(axis=0)
        supported[s, columns] = np.where(evidence >= WORD_EVIDENCE_FLOOR, supported[s, columns], 0.0)
    return supported


def span_bounds(layout: SpanLayout, unit: str, word_probabilities: np.ndarray,
                sentence_probabilities: np.ndarray, threshold: float,
                growth: SpanGrowth = NO_GROWTH) -> tuple[np.ndarray, np.ndarray]:
    """First and last word of each span of one technique, in the given unit (sentence-unit spans
    have nothing to grow into)."""
    if unit == SENTENCE:
        chosen = np.flatnonzero((sentence_probabilities >= threshold) & (layout.sentence_first >= 0))
        return layout.sentence_first[chosen], layout.sentence_last[chosen]
    return run_bounds(word_probabilities, threshold, layout.sentence, layout.edge, growth)


# A reported score at or above this is asserted at the precise point (`reported` puts the threshold here).
ASSERTED = 0.5


def reported(probabilities: np.ndarray | float, thresholds: np.ndarray | float) -> np.ndarray:
    """Scores as the Analysis reports them: each probability's odds against its label's decision
    threshold, `sigmoid(logit(p) - logit(threshold))`, so the threshold reads 0.5.

    Thresholds differ widely between labels (0.15 for Loaded_Language words, 0.875 for Repetition),
    because the stacks' outputs are calibrated probabilities and the network's are not. Reported
    raw, 95% of the loaded-word spans 2.5.0 asserts on the gate articles scored under 0.5 (median
    0.22), so `min_score` 0.5 dropped nearly all of them. On this scale every label asserted at the
    precise point scores 0.5 or more, the order of each label's scores is unchanged, and `min_score`
    means the same for all.
    """
    z = logit(np.asarray(probabilities)) - logit(np.asarray(thresholds))
    return np.asarray(1.0 / (1.0 + np.exp(-z)))


def decode_spans(
    prepared: PreparedText, scores: DocumentScores, thresholds: Thresholds, layout: SpanLayout | None = None
) -> list[tuple[int, int, int, float]]:
    """(technique index, start, end, probability) for every predicted span.

    A word-unit span has the probability of its best word (the word that made it a span: the words
    it grew over score less); a sentence-unit span the sentence's. `layout` is
    `SpanLayout.of(prepared)`, when the caller has it already.
    """
    spans: list[tuple[int, int, int, float]] = []
    if len(prepared.words) == 0:
        return spans
    layout = layout if layout is not None else SpanLayout.of(prepared)
    for t, (unit, threshold) in enumerate(zip(thresholds.span_units(), thresholds.span_array(), strict=True)):
        words = scores.word_techniques[:, t]
        sentences = scores.sentence_techniques[:, t]
        starts, ends = span_bounds(layout, unit, words, sentences, threshold, thresholds.span_growth)
        for first, last in zip(starts.tolist(), ends.tolist(), strict=True):
            if unit == SENTENCE:
                score = float(sentences[prepared.word_sentence[first]])
            else:
                score = float(words[first : last + 1].max())
            start, end = snap_to_graphemes(prepared.text, int(prepared.words[first, 0]), int(prepared.words[last, 1]))
            spans.append((t, start, end, score))
    return spans


def unplaced_spans(
    prepared: PreparedText, layout: SpanLayout, sentence_labels: list[dict[int, float]],
    placed: set[tuple[int, int]],
) -> list[tuple[int, int, int, int, float]]:
    """(sentence, technique, start, end, score) marking whole sentences for the techniques a sentence
    uses with no placed span of that technique overlapping it (`placed`: (sentence, technique)),
    so that every claim the Analysis makes is visible where it is made."""
    marked = []
    for s, labels in enumerate(sentence_labels):
        first, last = int(layout.sentence_first[s]), int(layout.sentence_last[s])
        if first < 0:  # a sentence of punctuation only ("…") has no words to mark
            continue
        start, end = snap_to_graphemes(prepared.text, int(prepared.words[first, 0]), int(prepared.words[last, 1]))
        for t, score in labels.items():
            if (s, t) not in placed:
                marked.append((s, t, start, end, score))
    return marked


# The calibrated sentence-frame scores put every frame's threshold at 0.5.
OWN_SENTENCE_FRAME_THRESHOLD = 0.5


def sentence_frame_decisions(sentence_scores: np.ndarray, article_frames: dict[int, float],
                             frame_thresholds: np.ndarray, own_sentence_frames: bool) -> dict[int, float]:
    """The frames one sentence shows, with their scores.

    With the sentence-frame model, a sentence shows every frame its own words pass (score 0.5 or
    more), whether or not the article lists it: the frame is the sentence's evidence, and the
    article's list is a separate decision (the probe measured both rules; README, model card).
    Without it (older folders), a sentence shows a frame the article carries when the network's
    sentence score alone passes the article threshold.
    """
    if own_sentence_frames:
        return {f: float(sentence_scores[f]) for f in np.flatnonzero(sentence_scores >= OWN_SENTENCE_FRAME_THRESHOLD)
                .tolist()}
    return {f: float(sentence_scores[f]) for f in article_frames if sentence_scores[f] >= frame_thresholds[f]}


def without_sentences(prepared: PreparedText, scores: DocumentScores, unscored: np.ndarray) -> DocumentScores:
    """`scores` with every technique and sentence-frame score of the `unscored` sentences (and their
    words) at 0, so that nothing is asserted there."""
    words = unscored[prepared.word_sentence] if len(prepared.words) else np.zeros(0, dtype=bool)
    word_techniques, sentence_techniques = scores.word_techniques.copy(), scores.sentence_techniques.copy()
    sentence_frames = scores.sentence_frames.copy()
    word_techniques[words], sentence_techniques[unscored], sentence_frames[unscored] = 0.0, 0.0, 0.0
    return DocumentScores(word_techniques, sentence_techniques, sentence_frames, scores.article_frames)


def _ranked(scores: dict[int, float], names: tuple[str, ...]) -> list[LabelScore]:
    ordered = sorted(scores.items(), key=lambda item: (-item[1], item[0]))
    return [LabelScore(label=names[i], score=round(min(max(s, 0.0), 1.0), 4)) for i, s in ordered]


def build_analysis(
    prepared: PreparedText,
    scores: DocumentScores,
    thresholds: Thresholds,
    model: ModelInfo,
    document_id: str | None = None,
    operating_point: str = "precise",
    own_sentence_frames: bool = False,
    scale: Thresholds | None = None,
) -> Analysis:
    """Decode with `thresholds`, which are those of `operating_point` (recorded in the Analysis).

    Scores are reported against `scale`'s thresholds (`reported`: each reads 0.5); the analyzer
    passes the precise point's, so a label scores the same at either operating point and what only
    the sensitive point asserts scores under 0.5. `scale` defaults to `thresholds`.

    `own_sentence_frames`: the sentence frame scores are the sentence-frame model's calibrated ones
    (`model.sentence_frames`), see `sentence_frame_decisions`. Sentences in another script than the
    (Latin) text around them are not scored (`PreparedText.foreign_script`); the Analysis
    warns of them.
    """
    text = prepared.text
    scale = thresholds if scale is None else scale
    span_scale, sentence_scale, frame_scale = scale.span_array(), scale.sentence_array(), scale.frame_array()
    warnings: list[AnalysisWarning] = []
    foreign, scripts = prepared.foreign_script()
    if any(foreign):
        scores = without_sentences(prepared, scores, np.array(foreign, dtype=bool))
        warnings.append(foreign_script_warning(sum(foreign), scripts))
    sentence_starts = np.array([s.start for s in prepared.sentences], dtype=np.int64)
    sentence_ends = np.array([s.end for s in prepared.sentences], dtype=np.int64)

    layout = SpanLayout.of(prepared) if len(prepared.words) else None
    raw_spans = decode_spans(prepared, scores, thresholds, layout)
    sentence_labels: list[dict[int, float]] = [{} for _ in prepared.sentences]
    spans: list[Span] = []
    placed: set[tuple[int, int]] = set()
    for t, start, end, probability in raw_spans:
        score = float(reported(probability, span_scale[t]))
        first = int(np.searchsorted(sentence_starts, start, side="right") - 1)
        spans.append(Span(start=start, end=end, text=text[start:end], label=TECHNIQUES[t],
                          score=round(score, 4), sentence=max(first, 0)))
        overlapping = np.nonzero((sentence_starts < end) & (sentence_ends > start))[0]
        for s in overlapping.tolist():
            sentence_labels[s][t] = max(sentence_labels[s].get(t, 0.0), score)
            placed.add((s, t))

    sentence_thresholds = thresholds.sentence_array()
    sentence_scores = word_supported(scores, layout)
    frame_thresholds = thresholds.frame_array()
    article_frames = {
        f: float(scores.article_frames[f])
        for f in range(len(FRAMES))
        if scores.article_frames[f] >= frame_thresholds[f]
    }
    # Sentence frames of the sentence-frame model are decided at 0.5 at every point; the network's at
    # the article thresholds.
    sentence_frame_scale = np.full(len(FRAMES), OWN_SENTENCE_FRAME_THRESHOLD) if own_sentence_frames else frame_scale
    article_techniques: dict[int, float] = {}
    sentences: list[SentenceAnalysis] = []
    for s, sentence in enumerate(prepared.sentences):
        labels = sentence_labels[s]
        for t in np.nonzero(sentence_scores[s] >= sentence_thresholds)[0].tolist():
            labels[t] = max(labels.get(t, 0.0), float(reported(sentence_scores[s, t], sentence_scale[t])))
        for t, score in labels.items():
            article_techniques[t] = max(article_techniques.get(t, 0.0), score)
        frames = sentence_frame_decisions(scores.sentence_frames[s], article_frames, frame_thresholds,
                                          own_sentence_frames)
        frames = {f: float(reported(score, sentence_frame_scale[f])) for f, score in frames.items()}
        sentences.append(
            SentenceAnalysis(index=s, start=sentence.start, end=sentence.end,
                             techniques=_ranked(labels, TECHNIQUES), frames=_ranked(frames, FRAMES))
        )
    if layout is not None:
        for s, t, start, end, score in unplaced_spans(prepared, layout, sentence_labels, placed):
            spans.append(Span(start=start, end=end, text=text[start:end], label=TECHNIQUES[t],
                              score=round(score, 4), sentence=s, unit="sentence"))
    spans.sort(key=lambda span: (span.start, -span.score, span.end, span.label))
    return Analysis(
        id=document_id,
        model=model,
        frames=_ranked({f: float(reported(score, frame_scale[f])) for f, score in article_frames.items()}, FRAMES),
        techniques=_ranked(article_techniques, TECHNIQUES),
        sentences=sentences,
        spans=spans,
        warnings=warnings,
        operating_point=operating_point,
    )
