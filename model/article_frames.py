"""Article frames from the article's words in embedding space (issue 14, item 5).

Frames are mostly about what an article is about, and the network's frame head, reading windows of
254 word pieces, trails a TF-IDF model on them under cross-validation. Both miss what the other
sees: TF-IDF knows only the exact words of its training articles, the network only windows. This
model reads the whole article as a point in the static input-embedding space of the served
network (`embeddings.word_embeddings`, so no second encoder pass): the mean and the SIF-weighted
mean (Arora et al. 2017) of its word pieces' embeddings, mapped to one logistic regression per
frame. Synonyms and related words land near each other there, which TF-IDF cannot know.

Its scores are blended into the served article-frame scores at a share recorded in the manifest
(`article_frame_weight`); docs/model-experiments.md section 5 has the measurements.

Saved as plain data (`article_frames.json`: settings; `article_frames.safetensors`: arrays), never
a pickle.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
from scipy.special import expit

from framing.model.array_files import read_frame_arrays, save_frame_arrays
from framing.model.errors import FramingError
from framing.model.layout import ARTICLE_FRAME_ARRAYS, ARTICLE_FRAME_SETTINGS
from framing.model.scores import DocumentScores, PreparedText, Scorer
from framing.model.sentence_frames import embed_sentences, plain_encoding
from framing.model.taxonomy import FRAMES

FORMAT = "framing-article-frames/1"
ARRAY_NAMES = ("token_weight", "feature_mean", "feature_scale", "weight", "bias")
# The features are the sentence-frame model's (`embed_sentences`) over the whole article, without
# removing a common component: the standardisation before the regressions takes out what all share.
NO_COMMON_COMPONENT = np.zeros(0, dtype=np.float32)


class ArticleFrameFormatError(FramingError, ValueError):
    """The saved article-frame files are missing, inconsistent or of an unknown format."""


def article_token_ids(prepared: PreparedText, tokenizer) -> np.ndarray:
    """The article's word pieces, all of them, without special tokens (one encode of the text, no
    thread pool: see `model.sentence_frames.sentence_token_ids`)."""
    return np.asarray(plain_encoding(tokenizer, prepared.text).ids, dtype=np.int64)


def embedding_table(network) -> np.ndarray:
    """The static input embeddings of the network, rounded to fp16 as its model folder stores them, so
    a model fitted on a network in memory reads what the served one will."""
    weight = network.encoder.embeddings.word_embeddings.weight.detach()
    return weight.half().float().numpy()


@dataclass
class ArticleFrameModel:
    """Features of one article to one probability per frame."""

    arrays: dict[str, np.ndarray]
    settings: dict[str, Any] = field(default_factory=dict)  # how it was fitted, for the model card

    def probabilities(self, features: np.ndarray) -> np.ndarray:
        """[articles, frames] from [articles, 2 * dim]. Elementwise products, not a matrix product:
        numpy's BLAS threads keep spinning after a call and slow the network's next pass (see
        `model.sentence_frames.SentenceFrameModel.logits`)."""
        a = self.arrays
        x = (features - a["feature_mean"]) / a["feature_scale"]
        logits = (x[:, None, :] * a["weight"][None, :, :]).sum(axis=-1) + a["bias"]
        return expit(logits).astype(np.float32)

    def score(self, documents: list[PreparedText], tokenizer, table: np.ndarray) -> list[np.ndarray]:
        if not documents:
            return []
        features = embed_sentences([article_token_ids(p, tokenizer) for p in documents], table,
                                   self.arrays["token_weight"], NO_COMMON_COMPONENT)
        return list(self.probabilities(features))

    # ---------------------------------------------------------------------------------- files

    def save(self, directory: Path) -> None:
        save_frame_arrays(directory, ARTICLE_FRAME_SETTINGS, ARTICLE_FRAME_ARRAYS,
                          {"format": FORMAT, "fit": self.settings}, self.arrays, ARRAY_NAMES)

    @classmethod
    def load(cls, directory: Path) -> ArticleFrameModel:
        settings, arrays = read_frame_arrays(directory, ARTICLE_FRAME_SETTINGS, ARTICLE_FRAME_ARRAYS, FORMAT,
                                             "article-frame model", ArticleFrameFormatError)
        missing = [name for name in ARRAY_NAMES if name not in arrays]
        if missing:
            raise ArticleFrameFormatError(f"{directory}: the article-frame arrays are incomplete "
                                          f"(missing: {', '.join(missing)})")
        model = cls(arrays, dict(settings.get("fit") or {}))
        model.check_shapes(str(directory))
        return model

    def check_shapes(self, where: str, vocabulary: int | None = None, dim: int | None = None) -> None:
        """Refuses arrays that do not fit together (or, when given, the network's embedding table)."""
        a = self.arrays
        width = a["feature_mean"].shape[0] if a["feature_mean"].ndim == 1 else -1
        expected = {"feature_scale": (width,), "weight": (len(FRAMES), width), "bias": (len(FRAMES),)}
        if vocabulary is not None:
            expected["token_weight"] = (vocabulary,)
        if dim is not None and width != 2 * dim:
            raise ArticleFrameFormatError(f"{where}: the article-frame model reads {width} features, the network's "
                                          f"embeddings give {2 * dim}")
        for name, shape in expected.items():
            if a[name].shape != shape:
                raise ArticleFrameFormatError(f"{where}: article-frame array {name} has shape {a[name].shape}, "
                                              f"expected {shape}")


def blend_article_frames(scores: list[DocumentScores], own: list[np.ndarray], share: float) -> list[DocumentScores]:
    """The served article-frame scores with the article-frame model's at `share`; nothing else changes."""
    return [replace(s, article_frames=((1.0 - share) * s.article_frames + share * o).astype(np.float32))
            for s, o in zip(scores, own, strict=True)]


class ArticleFrameScorer:
    """Wraps the served scorer: its article frames are blended with the article-frame model's (whose
    arrays the folder checked against `table`: `ModelFolder.article_frames`)."""

    def __init__(self, base: Scorer, model: ArticleFrameModel, tokenizer, table: np.ndarray, share: float) -> None:
        if not 0.0 < share <= 1.0:
            raise ValueError(f"the article-frame model's share must lie in (0, 1], got {share}")
        self.base = base
        self.model = model
        self.tokenizer = tokenizer
        self.table = table
        self.share = share
        self.name = getattr(base, "name", "scorer")

    def score(self, documents: list[PreparedText]) -> list[DocumentScores]:
        return blend_article_frames(self.base.score(documents), self.model.score(documents, self.tokenizer, self.table),
                                    self.share)
