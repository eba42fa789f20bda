"""TF-IDF + logistic-regression scorer: the baseline every figure stands beside, and the lexical
half of the shipped ensemble.

Its sentence probabilities stand in for every word of the sentence, so on its own its "spans" are
whole sentences: the honest floor a span model has to beat.

Saved as plain data (`tfidf.json`: settings and vocabulary; `tfidf.safetensors`: idf and the
logistic-regression weights), never as a pickle: loading a model folder runs no code from it, and
a saved model survives moving this module or upgrading scikit-learn.
"""

from __future__ import annotations

import json
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from safetensors.numpy import load_file, save
from scipy.special import expit
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression

from framing.model.errors import FramingError, require_format
from framing.model.files import write_atomic
from framing.model.layout import (  # noqa: F401 (the file names, re-exported for older callers)
    BASELINE_THRESHOLDS,
    LEGACY_TFIDF_FILE,
    TFIDF_ARRAYS,
    TFIDF_FILES,
    TFIDF_SETTINGS,
)
from framing.model.scores import DocumentScores, PreparedText
from framing.model.taxonomy import FRAME_INDEX, FRAMES, TECHNIQUE_INDEX, TECHNIQUES

if TYPE_CHECKING:
    from framing.training.documents import Document

FORMAT = "framing-tfidf/1"
NGRAM_RANGE = (1, 2)


def composed(text: str) -> str:
    """`text` in composed form (NFC): the vocabulary was read from composed text, so a decomposed "é"
    (e + combining accent) would split its word into pieces the model never saw."""
    return unicodedata.normalize("NFC", text)


class TfidfFormatError(FramingError, ValueError):
    """The saved TF-IDF files are missing, inconsistent or of an unknown format."""


@dataclass
class LinearHeads:
    """One logistic regression per label as weights: p = sigmoid(x . w + b), or a constant where the
    label had one class only in training (`constant` holds NaN for fitted labels)."""

    weights: np.ndarray  # [labels, features]
    bias: np.ndarray  # [labels]
    constant: np.ndarray  # [labels]

    @classmethod
    def fit(cls, features, targets: np.ndarray) -> LinearHeads:
        labels, width = targets.shape[1], features.shape[1]
        weights = np.zeros((labels, width), dtype=np.float64)
        bias = np.zeros(labels, dtype=np.float64)
        constant = np.full(labels, np.nan)
        for index, column in enumerate(targets.T):
            if len(column) == 0:  # e.g. frames, when no training document has frames annotated
                constant[index] = 0.0
                continue
            if column.min() == column.max():
                constant[index] = float(column[0])
                continue
            fitted = LogisticRegression(class_weight="balanced", C=1.0, max_iter=2000).fit(features, column)
            weights[index], bias[index] = fitted.coef_[0], fitted.intercept_[0]
        return cls(weights, bias, constant)

    def predict(self, features) -> np.ndarray:
        probabilities = expit(np.asarray(features @ self.weights.T) + self.bias)
        fixed = ~np.isnan(self.constant)
        probabilities[:, fixed] = self.constant[fixed]
        return probabilities.astype(np.float32)


class BaselineScorer:
    name = "tfidf-logreg"

    def __init__(self) -> None:
        self.vectorizer = TfidfVectorizer(ngram_range=NGRAM_RANGE, min_df=2, sublinear_tf=True,
                                          max_features=100_000)
        self.techniques: LinearHeads | None = None
        self.frames: LinearHeads | None = None

    def fit(self, documents: Sequence[Document]) -> BaselineScorer:
        sentences, sentence_targets = [], []
        for document in documents:
            prepared = PreparedText.from_text(document.text)
            for sentence in prepared.sentences:
                sentences.append(composed(document.text[sentence.start:sentence.end]))
                target = np.zeros(len(TECHNIQUES))
                for span in document.spans:
                    if span.start < sentence.end and span.end > sentence.start:
                        target[TECHNIQUE_INDEX[span.technique]] = 1
                sentence_targets.append(target)
        framed = [d for d in documents if d.frames is not None]
        self.vectorizer.fit(sentences + [composed(d.text) for d in framed])
        self.techniques = LinearHeads.fit(self.vectorizer.transform(sentences),
                                          np.array(sentence_targets).reshape(-1, len(TECHNIQUES)))
        frame_targets = np.zeros((len(framed), len(FRAMES)))
        for i, document in enumerate(framed):
            for frame in document.frames or []:
                frame_targets[i, FRAME_INDEX[frame]] = 1
        framed_features = (self.vectorizer.transform([composed(d.text) for d in framed]) if framed
                           else np.zeros((0, len(self.vectorizer.vocabulary_))))
        self.frames = LinearHeads.fit(framed_features, frame_targets)
        return self

    def _heads(self) -> tuple[LinearHeads, LinearHeads]:
        if self.techniques is None or self.frames is None:
            raise RuntimeError("the TF-IDF scorer is not fitted")
        return self.techniques, self.frames

    def score(self, documents: list[PreparedText]) -> list[DocumentScores]:
        techniques, frames = self._heads()
        results = []
        for prepared in documents:
            texts = [composed(prepared.text[s.start:s.end]) for s in prepared.sentences]
            features = self.vectorizer.transform(texts)
            sentence_techniques = techniques.predict(features)
            word_techniques = (sentence_techniques[prepared.word_sentence] if len(prepared.words)
                               else np.zeros((0, len(TECHNIQUES)), dtype=np.float32))
            results.append(DocumentScores(
                word_techniques=word_techniques,
                sentence_techniques=sentence_techniques,
                sentence_frames=frames.predict(features),
                article_frames=frames.predict(self.vectorizer.transform([composed(prepared.text)]))[0],
            ))
        return results

    def save(self, directory: Path) -> None:
        """Writes `tfidf.json` and `tfidf.safetensors` into `directory`."""
        techniques, frames = self._heads()
        vocabulary = sorted(self.vectorizer.vocabulary_, key=self.vectorizer.vocabulary_.__getitem__)
        settings = {"format": FORMAT, "ngram_range": list(self.vectorizer.ngram_range),
                    "sublinear_tf": self.vectorizer.sublinear_tf,
                    "techniques": list(TECHNIQUES), "frames": list(FRAMES), "vocabulary": vocabulary}
        directory.mkdir(parents=True, exist_ok=True)
        write_atomic(directory / TFIDF_SETTINGS, json.dumps(settings, ensure_ascii=False) + "\n")
        arrays = {"idf": np.asarray(self.vectorizer.idf_, dtype=np.float64)}
        for prefix, heads in (("techniques", techniques), ("frames", frames)):
            arrays.update({f"{prefix}.weights": heads.weights.astype(np.float32),
                           f"{prefix}.bias": heads.bias.astype(np.float64),
                           f"{prefix}.constant": heads.constant.astype(np.float64)})
        write_atomic(directory / TFIDF_ARRAYS, save(arrays))

    @staticmethod
    def load(directory: Path) -> BaselineScorer:
        try:
            settings = json.loads((directory / TFIDF_SETTINGS).read_text(encoding="utf-8"))
            arrays = load_file(str(directory / TFIDF_ARRAYS))
        except (OSError, ValueError) as error:
            raise TfidfFormatError(f"{directory}: cannot read the TF-IDF model: {error}") from error
        settings = require_format(settings, FORMAT, TfidfFormatError, str(directory / TFIDF_SETTINGS))
        if settings.get("techniques") != list(TECHNIQUES) or settings.get("frames") != list(FRAMES):
            raise TfidfFormatError(f"{directory / TFIDF_SETTINGS}: its label order differs from this version's")
        vocabulary = settings["vocabulary"]
        scorer = BaselineScorer()
        scorer.vectorizer = TfidfVectorizer(ngram_range=tuple(settings["ngram_range"]),
                                            sublinear_tf=bool(settings["sublinear_tf"]),
                                            vocabulary={term: i for i, term in enumerate(vocabulary)})
        try:
            scorer.vectorizer.idf_ = arrays["idf"]
            heads = [LinearHeads(arrays[f"{p}.weights"], arrays[f"{p}.bias"], arrays[f"{p}.constant"])
                     for p in ("techniques", "frames")]
        except (KeyError, ValueError) as error:
            raise TfidfFormatError(f"{directory / TFIDF_ARRAYS}: {error}") from error
        for name, head, labels in (("techniques", heads[0], TECHNIQUES), ("frames", heads[1], FRAMES)):
            if head.weights.shape != (len(labels), len(vocabulary)) or head.bias.shape != (len(labels),):
                raise TfidfFormatError(f"{directory / TFIDF_ARRAYS}: {name} weights have shape "
                                       f"{head.weights.shape}, expected {(len(labels), len(vocabulary))}")
        scorer.techniques, scorer.frames = heads
        return scorer
