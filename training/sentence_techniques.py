"""Fitting the sentence-technique embedding model (`model.sentence_techniques`) on annotated documents.

A sentence is a positive example of a technique when a gold span of it overlaps the sentence (the
paragraph-level metric's notion of a technique being in a line). Every document's sentences count,
team-written ones included. C = 0.05 and at least 5 positive sentences per fitted technique are the
settings measured in docs/model-experiments.md, section 8; rarer techniques are scored at their rate.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

import numpy as np

from framing.model.embedding_regression import NO_COMMON_COMPONENT
from framing.model.scores import PreparedText
from framing.model.sentence_frames import embed_sentences, sentence_token_ids
from framing.model.sentence_techniques import SentenceTechniqueModel
from framing.model.taxonomy import TECHNIQUE_INDEX, TECHNIQUES
from framing.training.documents import Document
from framing.training.embedding_regression import fit_regressions
from framing.training.sentence_frames import SIF_A, token_weights

log = logging.getLogger("framing.train")
PENALTY_C = 0.05
MIN_POSITIVES = 5


def sentence_labels(document: Document, prepared: PreparedText) -> np.ndarray:
    """[sentences, techniques]: whether a gold span of the technique overlaps the sentence."""
    gold = np.zeros((len(prepared.sentences), len(TECHNIQUES)), dtype=bool)
    if not prepared.sentences:
        return gold
    starts = np.array([s.start for s in prepared.sentences])
    ends = np.array([s.end for s in prepared.sentences])
    for span in document.spans:
        gold[(starts < span.end) & (ends > span.start), TECHNIQUE_INDEX[span.technique]] = True
    return gold


def fit_sentence_techniques(documents: Sequence[Document], tokenizer, table: np.ndarray, c: float = PENALTY_C,
                            min_positives: int = MIN_POSITIVES) -> SentenceTechniqueModel | None:
    """The model fitted on the documents' sentences (None when they have fewer than two)."""
    prepared = [PreparedText.from_text(d.text) for d in documents]
    ids = [piece for p in prepared for piece in sentence_token_ids(p, tokenizer)]
    if len(ids) < 2:
        return None
    weight = token_weights(ids, table.shape[0])
    features = embed_sentences(ids, table, weight, NO_COMMON_COMPONENT)
    gold = np.concatenate([sentence_labels(d, p) for d, p in zip(documents, prepared, strict=True)])
    fitted = [name for name, positives in zip(TECHNIQUES, gold.sum(axis=0), strict=True) if positives >= min_positives]
    log.info("sentence-technique model fitted on %d sentences of %d documents (%d techniques with %d or more "
             "positive sentences)", len(ids), len(documents), len(fitted), min_positives)
    return SentenceTechniqueModel(fit_regressions(features, gold, weight, c, min_positives, max_iter=300),
                                  {"documents": len(documents), "sentences": len(ids), "c": c,
                                   "min_positives": min_positives, "techniques_fitted": fitted, "sif_a": SIF_A})
