"""Fitting the article-frame embedding model (`model.article_frames`) on labelled articles.

One L2-regularised logistic regression per frame over standardised features, as scikit-learn fits
it; a strong penalty (C = 0.01) because 300 articles is few for 768 features: C 0.003 / 0.01 / 0.03
gave cross-validated frame micro-F1 0.692 / 0.692 / 0.677 on its own (docs/model-experiments.md, section 5).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

import numpy as np

from framing.model.article_frames import ArticleFrameModel, article_token_ids
from framing.model.embedding_regression import NO_COMMON_COMPONENT
from framing.model.scores import PreparedText
from framing.model.sentence_frames import embed_sentences
from framing.model.taxonomy import FRAME_INDEX, FRAMES
from framing.training.documents import Document
from framing.training.embedding_regression import fit_regressions
from framing.training.sentence_frames import SIF_A, token_weights

log = logging.getLogger("framing.train")
PENALTY_C = 0.01


def fit_article_frames(documents: Sequence[Document], tokenizer, table: np.ndarray,
                       c: float = PENALTY_C) -> ArticleFrameModel | None:
    """The model fitted on the documents with frame labels (None when fewer than two have any)."""
    framed = [d for d in documents if d.frames is not None]
    if len(framed) < 2:
        return None
    ids = [article_token_ids(PreparedText.from_text(d.text), tokenizer) for d in framed]
    weight = token_weights(ids, table.shape[0])
    features = embed_sentences(ids, table, weight, NO_COMMON_COMPONENT)  # one "sentence" an article
    gold = np.zeros((len(framed), len(FRAMES)), dtype=bool)
    for i, d in enumerate(framed):
        gold[i, [FRAME_INDEX[f] for f in d.frames or []]] = True
    log.info("article-frame model fitted on %d articles", len(framed))
    return ArticleFrameModel(fit_regressions(features, gold, weight, c),
                             {"articles": len(framed), "c": c, "sif_a": SIF_A})
