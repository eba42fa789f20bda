"""TF-IDF + logistic-regression scorer: the baseline every figure stands beside, and the lexical
half of the shipped ensemble.

Its sentence probabilities stand in for every word of the sentence, so on its own its "spans" are
whole sentences: the honest floor a span model has to beat.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import joblib
import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression

from model.scores import DocumentScores, PreparedText
from model.taxonomy import FRAME_INDEX, FRAMES, TECHNIQUE_INDEX, TECHNIQUES

if TYPE_CHECKING:
    from training.documents import Document

TFIDF_FILE = "tfidf.joblib"
BASELINE_THRESHOLDS = "baseline_thresholds.json"


def _fit_columns(features, targets: np.ndarray) -> list[LogisticRegression | float]:
    """One balanced logistic regression per label; a constant where a label has one class only."""
    models: list[LogisticRegression | float] = []
    for column in targets.T:
        if column.min() == column.max():
            models.append(float(column[0]))
        else:
            models.append(LogisticRegression(class_weight="balanced", C=1.0, max_iter=2000).fit(features, column))
    return models


def _predict_columns(models: list, features) -> np.ndarray:
    columns = [
        np.full(features.shape[0], m) if isinstance(m, float) else m.predict_proba(features)[:, 1] for m in models
    ]
    return np.stack(columns, axis=1).astype(np.float32) if columns else np.zeros((features.shape[0], 0))


class BaselineScorer:
    name = "tfidf-logreg"

    def __init__(self) -> None:
        self.vectorizer = TfidfVectorizer(ngram_range=(1, 2), min_df=2, sublinear_tf=True, max_features=100_000)
        self.technique_models: list = []
        self.frame_models: list = []

    def fit(self, documents: Sequence[Document]) -> BaselineScorer:
        sentences, sentence_targets = [], []
        for document in documents:
            prepared = PreparedText.from_text(document.text)
            for sentence in prepared.sentences:
                sentences.append(document.text[sentence.start:sentence.end])
                target = np.zeros(len(TECHNIQUES))
                for span in document.spans:
                    if span.start < sentence.end and span.end > sentence.start:
                        target[TECHNIQUE_INDEX[span.technique]] = 1
                sentence_targets.append(target)
        framed = [d for d in documents if d.frames is not None]
        self.vectorizer.fit(sentences + [d.text for d in framed])
        self.technique_models = _fit_columns(self.vectorizer.transform(sentences), np.array(sentence_targets))
        frame_targets = np.zeros((len(framed), len(FRAMES)))
        for i, document in enumerate(framed):
            for frame in document.frames or []:
                frame_targets[i, FRAME_INDEX[frame]] = 1
        self.frame_models = _fit_columns(self.vectorizer.transform([d.text for d in framed]), frame_targets)
        return self

    def score(self, documents: list[PreparedText]) -> list[DocumentScores]:
        results = []
        for prepared in documents:
            texts = [prepared.text[s.start:s.end] for s in prepared.sentences]
            features = self.vectorizer.transform(texts)
            sentence_techniques = _predict_columns(self.technique_models, features)
            word_techniques = (sentence_techniques[prepared.word_sentence] if len(prepared.words)
                               else np.zeros((0, len(TECHNIQUES)), dtype=np.float32))
            results.append(DocumentScores(
                word_techniques=word_techniques,
                sentence_techniques=sentence_techniques,
                sentence_frames=_predict_columns(self.frame_models, features),
                article_frames=_predict_columns(self.frame_models, self.vectorizer.transform([prepared.text]))[0],
            ))
        return results

    def save(self, path: Path) -> None:
        # The vectorizer keeps every pruned term for introspection only; dropping it saves megabytes.
        if hasattr(self.vectorizer, "stop_words_"):
            del self.vectorizer.stop_words_
        joblib.dump(self, path, compress=3)

    @staticmethod
    def load(path: Path) -> BaselineScorer:
        return joblib.load(path)
