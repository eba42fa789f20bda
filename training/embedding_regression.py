"""Fitting an embedding regression (`model.embedding_regression`): standardised features, one
L2-regularised logistic regression per label, as scikit-learn fits it."""

from __future__ import annotations

import warnings

import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression

# A label every training text has, or none has (or too few to fit), is scored at its rate, clipped
# off 0 and 1.
RATE_FLOOR = 0.01


def fit_regressions(features: np.ndarray, gold: np.ndarray, token_weight: np.ndarray, c: float,
                    min_positives: int = 1, max_iter: int = 2000) -> dict[str, np.ndarray]:
    """The arrays of `EmbeddingRegression` for [texts, 2 * dim] features and [texts, labels] gold
    labels; a label with fewer than `min_positives` positive texts (or no negative) gets no weights."""
    mean, scale = features.mean(axis=0), features.std(axis=0)
    scale = np.where(scale > 1e-8, scale, 1.0)
    x = (features - mean) / scale
    coefficients = np.zeros((gold.shape[1], x.shape[1]), dtype=np.float32)
    bias = np.zeros(gold.shape[1], dtype=np.float32)
    for j in range(gold.shape[1]):
        y = gold[:, j].astype(bool)
        if y.sum() < max(min_positives, 1) or y.all():
            rate = float(np.clip(y.mean(), RATE_FLOOR, 1 - RATE_FLOOR))
            bias[j] = np.log(rate / (1 - rate))
            continue
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            regression = LogisticRegression(C=c, max_iter=max_iter).fit(x, y)
        coefficients[j], bias[j] = regression.coef_[0], regression.intercept_[0]
    return {"token_weight": token_weight, "feature_mean": mean.astype(np.float32),
            "feature_scale": scale.astype(np.float32), "weight": coefficients, "bias": bias}
