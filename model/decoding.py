"""Turns probabilities into the `Analysis`: spans snapped to words, sentence and article labels.

Spans come from runs of consecutive words whose probability for a technique clears that
technique's threshold; a run never crosses a line break, and it neither starts nor ends on a
function word or punctuation mark (a lone "the" or "on" is never a span). A sentence uses a technique when a span of
it overlaps the sentence or when the sentence-level head asserts it on its own.
"""

from __future__ import annotations

import numpy as np

from model.schema import Analysis, LabelScore, ModelInfo, SentenceAnalysis, Span
from model.scores import DocumentScores, PreparedText
from model.taxonomy import FRAMES, TECHNIQUES
from model.thresholds import Thresholds

EDGE_WORDS = frozenset((
    "a", "an", "the", "and", "or", "but", "nor", "so", "yet", "of", "in", "on", "at", "to", "for", "from",
    "by", "with", "as", "into", "onto", "upon", "about", "over", "under", "than", "that", "which", "who",
    "whom", "whose", "this", "these", "those", "is", "are", "was", "were", "be", "been", "being", "has",
    "have", "had", "do", "does", "did", "will", "would", "shall", "should", "can", "could", "may", "might",
    "must", "it", "its", "it's", "they", "their", "them", "he", "his", "him", "she", "her", "we", "our", "us",
    "you", "your", "i", "my", "me", "s", "'s", "’s",
))


def edge_words(prepared: PreparedText) -> np.ndarray:
    """Words a span may not start or end on: function words and punctuation."""
    text = prepared.text
    return np.array([not text[a:b][0].isalnum() or text[a:b].lower() in EDGE_WORDS for a, b in prepared.words],
                    dtype=bool)


def run_bounds(probabilities: np.ndarray, threshold: float, paragraph: np.ndarray,
               edge: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """First and last word of each maximal run at or above threshold that stays inside one line,
    trimmed of `edge` words at both ends (runs of edge words only are dropped)."""
    above = probabilities >= threshold
    same_line = paragraph[1:] == paragraph[:-1]  # word i+1 is on word i's line
    joins_previous = np.concatenate([[False], above[:-1] & same_line])
    joins_next = np.concatenate([above[1:] & same_line, [False]])
    starts, ends = np.flatnonzero(above & ~joins_previous), np.flatnonzero(above & ~joins_next)
    if edge is None or len(starts) == 0:
        return starts, ends
    index = np.arange(len(edge))
    next_content = np.minimum.accumulate(np.where(edge, len(edge), index)[::-1])[::-1]
    previous_content = np.maximum.accumulate(np.where(edge, -1, index))
    starts, ends = next_content[starts], previous_content[ends]
    keep = starts <= ends
    return starts[keep], ends[keep]


def decode_runs(
    probabilities: np.ndarray, threshold: float, word_paragraph: np.ndarray, edge: np.ndarray | None = None
) -> list[tuple[int, int, float]]:
    """Runs [first, last] of words at or above threshold, with the run's mean probability."""
    starts, ends = run_bounds(probabilities, threshold, word_paragraph, edge)
    return [(int(a), int(b), float(probabilities[a : b + 1].mean())) for a, b in zip(starts, ends, strict=True)]


def word_paragraphs(prepared: PreparedText) -> np.ndarray:
    if len(prepared.sentences) == 0:
        return np.zeros(len(prepared.words), dtype=np.int64)
    paragraph_of_sentence = np.array([s.paragraph for s in prepared.sentences])
    return paragraph_of_sentence[prepared.word_sentence]


def decode_spans(
    prepared: PreparedText, scores: DocumentScores, span_thresholds: np.ndarray
) -> list[tuple[int, int, int, float]]:
    """(technique index, start, end, score) for every predicted span."""
    spans: list[tuple[int, int, int, float]] = []
    if len(prepared.words) == 0:
        return spans
    paragraph, edge = word_paragraphs(prepared), edge_words(prepared)
    for t in range(len(TECHNIQUES)):
        for first, last, score in decode_runs(scores.word_techniques[:, t], span_thresholds[t], paragraph, edge):
            spans.append((t, int(prepared.words[first, 0]), int(prepared.words[last, 1]), score))
    return spans


def _ranked(scores: dict[int, float], names: tuple[str, ...]) -> list[LabelScore]:
    ordered = sorted(scores.items(), key=lambda item: (-item[1], item[0]))
    return [LabelScore(label=names[i], score=round(min(max(s, 0.0), 1.0), 4)) for i, s in ordered]


def build_analysis(
    prepared: PreparedText,
    scores: DocumentScores,
    thresholds: Thresholds,
    model: ModelInfo,
    document_id: str | None = None,
) -> Analysis:
    text = prepared.text
    sentence_starts = np.array([s.start for s in prepared.sentences], dtype=np.int64)
    sentence_ends = np.array([s.end for s in prepared.sentences], dtype=np.int64)

    raw_spans = decode_spans(prepared, scores, thresholds.span_array())
    sentence_labels: list[dict[int, float]] = [{} for _ in prepared.sentences]
    spans: list[Span] = []
    for t, start, end, score in raw_spans:
        first = int(np.searchsorted(sentence_starts, start, side="right") - 1)
        spans.append(Span(start=start, end=end, text=text[start:end], label=TECHNIQUES[t],
                          score=round(score, 4), sentence=max(first, 0)))
        overlapping = np.nonzero((sentence_starts < end) & (sentence_ends > start))[0]
        for s in overlapping:
            sentence_labels[s][t] = max(sentence_labels[s].get(t, 0.0), score)

    sentence_thresholds = thresholds.sentence_array()
    frame_thresholds = thresholds.frame_array()
    article_frames = {
        f: float(scores.article_frames[f])
        for f in range(len(FRAMES))
        if scores.article_frames[f] >= frame_thresholds[f]
    }
    article_techniques: dict[int, float] = {}
    sentences: list[SentenceAnalysis] = []
    for s, sentence in enumerate(prepared.sentences):
        labels = sentence_labels[s]
        for t in np.nonzero(scores.sentence_techniques[s] >= sentence_thresholds)[0]:
            labels[int(t)] = max(labels.get(int(t), 0.0), float(scores.sentence_techniques[s, t]))
        for t, score in labels.items():
            article_techniques[t] = max(article_techniques.get(t, 0.0), score)
        # A sentence shows a frame the article carries when it alone would carry it.
        frames = {
            f: float(scores.sentence_frames[s, f])
            for f in article_frames
            if scores.sentence_frames[s, f] >= frame_thresholds[f]
        }
        sentences.append(
            SentenceAnalysis(index=s, start=sentence.start, end=sentence.end,
                             techniques=_ranked(labels, TECHNIQUES), frames=_ranked(frames, FRAMES))
        )
    spans.sort(key=lambda span: (span.start, -span.score, span.end, span.label))
    return Analysis(
        id=document_id,
        model=model,
        frames=_ranked(article_frames, FRAMES),
        techniques=_ranked(article_techniques, TECHNIQUES),
        sentences=sentences,
        spans=spans,
    )
