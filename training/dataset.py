"""Turns annotated documents into training targets aligned with the network's tokens and sentences."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from framing.model.scores import PreparedText
from framing.model.taxonomy import FRAME_INDEX, FRAMES, TECHNIQUE_INDEX, TECHNIQUES
from framing.model.windows import EncodedText, encode_text
from framing.training.documents import Document


@dataclass
class Example:
    document: Document
    prepared: PreparedText
    encoded: EncodedText
    token_labels: np.ndarray  # [n_tokens, n_techniques]: the token overlaps a span of T
    sentence_labels: np.ndarray  # [n_sentences, n_techniques]: the sentence overlaps a span of T
    frame_labels: np.ndarray | None  # [n_frames], None when the article has no frame annotation


def build_example(document: Document, tokenizer, window_length: int, stride: int) -> Example:
    prepared = PreparedText.from_text(document.text)
    encoded = encode_text(prepared, tokenizer, window_length, stride)
    token_labels = np.zeros((len(encoded.token_ids), len(TECHNIQUES)), dtype=np.float32)
    sentence_labels = np.zeros((len(prepared.sentences), len(TECHNIQUES)), dtype=np.float32)
    token_starts, token_ends = encoded.token_offsets[:, 0], encoded.token_offsets[:, 1]
    sentence_starts = np.array([s.start for s in prepared.sentences], dtype=np.int64)
    sentence_ends = np.array([s.end for s in prepared.sentences], dtype=np.int64)
    for span in document.spans:
        t = TECHNIQUE_INDEX[span.technique]
        token_labels[(token_starts < span.end) & (token_ends > span.start), t] = 1.0
        sentence_labels[(sentence_starts < span.end) & (sentence_ends > span.start), t] = 1.0
    frame_labels = None
    if document.frames is not None:
        frame_labels = np.zeros(len(FRAMES), dtype=np.float32)
        for frame in document.frames:
            frame_labels[FRAME_INDEX[frame]] = 1.0
    return Example(document, prepared, encoded, token_labels, sentence_labels, frame_labels)


def positive_weights(positives: np.ndarray, totals: np.ndarray, cap: float) -> np.ndarray:
    """sqrt(negatives/positives), capped: rare labels get weight without drowning the rest."""
    positives = np.asarray(positives, dtype=np.float64)
    negatives = np.asarray(totals, dtype=np.float64) - positives
    weights = np.sqrt(np.where(positives > 0, negatives / np.maximum(positives, 1), 1.0))
    return np.clip(weights, 1.0, cap).astype(np.float32)
