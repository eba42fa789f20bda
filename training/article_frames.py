"""Fitting the article-frame embedding model (`model.article_frames`) on labelled articles.

One L2-regularised logistic regression per frame over standardised features, as scikit-learn fits
it; a strong penalty (C = 0.01) because 300 articles is few for 768 features: C 0.003 / 0.01 / 0.03
gave cross-validated frame micro-F1 0.692 / 0.692 / 0.677 on its own (docs/model-experiments.md, section 5).
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Sequence

import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression

from framing.model.article_frames import NO_COMMON_COMPONENT, ArticleFrameModel, article_token_ids
from framing.model.scores import PreparedText
from framing.model.sentence_frames import embed_sentences
from framing.model.taxonomy import FRAME_INDEX, FRAMES
from framing.training.documents import Document
from framing.training.sentence_frames import SIF_A, token_weights

log = logging.getLogger("framing.train")
PENALTY_C = 0.01
# A frame every training article has, or none has, is scored at its rate (clipped off 0 and 1).
RATE_FLOOR = 0.01


def fit_article_frames(documents: Sequence[Document], tokenizer, table: np.ndarray,
                       c: float = PENALTY_C) -> ArticleFrameModel | None:
    """The model fitted on the documents with frame labels (None when fewer than two have any)."""
    framed = [d for d in documents if d.frames is not None]
    if len(framed) < 2:
        return None
    ids = [article_token_ids(PreparedText.from_text(d.text), tokenizer) for d in framed]
    weight = token_weights(ids, table.shape[0])
    features = embed_sentences(ids, table, weight, NO_COMMON_COMPONENT)  # one "sentence" an article
    mean, scale = features.mean(axis=0), features.std(axis=0)
    scale = np.where(scale > 1e-8, scale, 1.0)
    x = (features - mean) / scale
    gold = np.zeros((len(framed), len(FRAMES)), dtype=bool)
    for i, d in enumerate(framed):
        gold[i, [FRAME_INDEX[f] for f in d.frames or []]] = True
    coefficients = np.zeros((len(FRAMES), x.shape[1]), dtype=np.float32)
    bias = np.zeros(len(FRAMES), dtype=np.float32)
    for j in range(len(FRAMES)):
        y = gold[:, j]
        if y.all() or not y.any():
            rate = float(np.clip(y.mean(), RATE_FLOOR, 1 - RATE_FLOOR))
            bias[j] = np.log(rate / (1 - rate))
            continue
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            regression = LogisticRegression(C=c, max_iter=2000).fit(x, y)
        coefficients[j], bias[j] = regression.coef_[0], regression.intercept_[0]
    arrays = {"token_weight": weight, "feature_mean": mean.astype(np.float32),
              "feature_scale": scale.astype(np.float32), "weight": coefficients, "bias": bias}
    log.info("article-frame model fitted on %d articles", len(framed))
    return ArticleFrameModel(arrays, {"articles": len(framed), "c": c, "sif_a": SIF_A})

