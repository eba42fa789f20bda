"""Sentence techniques from the sentence's words in embedding space (issue 14: paragraph F1).

The network scores a sentence's techniques from contextual token states of windows, the TF-IDF
model from the sentence's exact words. This model reads the sentence as a point in the served
network's static embedding space (`model.embedding_regression`: the mean and SIF mean of its word
pieces' embeddings, one logistic regression per technique), so related words count alike, and its
probabilities are blended into the served sentence-technique scores at a share the manifest records
(`sentence_technique_weight`). Word scores and spans are left as they are. Measurements:
docs/model-experiments.md, section 8.

Saved as plain data (`sentence_techniques.json`: settings; `sentence_techniques.safetensors`: arrays).
"""

from __future__ import annotations

from typing import ClassVar

import numpy as np

from framing.model.embedding_regression import BlendingScorer, EmbeddingRegression, blend_field
from framing.model.errors import FramingError
from framing.model.layout import SENTENCE_TECHNIQUE_ARRAYS, SENTENCE_TECHNIQUE_SETTINGS
from framing.model.scores import DocumentScores, PreparedText
from framing.model.sentence_frames import sentence_token_ids
from framing.model.taxonomy import TECHNIQUES


class SentenceTechniqueFormatError(FramingError, ValueError):
    """The saved sentence-technique files are missing, inconsistent or of an unknown format."""


class SentenceTechniqueModel(EmbeddingRegression):
    """Features of one sentence to one probability per technique."""

    FORMAT: ClassVar[str] = "framing-sentence-techniques/1"
    LABEL_KIND: ClassVar[str] = "techniques"
    LABELS: ClassVar[tuple[str, ...]] = tuple(TECHNIQUES)
    SETTINGS_FILE: ClassVar[str] = SENTENCE_TECHNIQUE_SETTINGS
    ARRAYS_FILE: ClassVar[str] = SENTENCE_TECHNIQUE_ARRAYS
    WHAT: ClassVar[str] = "sentence-technique model"
    ERROR: ClassVar[type[FramingError]] = SentenceTechniqueFormatError

    def score(self, documents: list[PreparedText], tokenizer, table: np.ndarray) -> list[np.ndarray]:
        """[sentences, techniques] for each document."""
        dim = len(self.LABELS)
        return [self.probabilities(self.features(sentence_token_ids(p, tokenizer), table)) if p.sentences
                else np.zeros((0, dim), dtype=np.float32) for p in documents]


def blend_sentence_techniques(scores: list[DocumentScores], own: list[np.ndarray],
                              share: float) -> list[DocumentScores]:
    """The served sentence-technique scores with the model's at `share`; nothing else changes."""
    return blend_field("sentence_techniques", scores, own, share)


class SentenceTechniqueScorer(BlendingScorer):
    """The served scorer with its sentence techniques blended with the sentence-technique model's."""

    blend = staticmethod(blend_sentence_techniques)
