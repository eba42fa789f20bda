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

Saved as plain data (`article_frames.json`: settings; `article_frames.safetensors`: arrays).
"""

from __future__ import annotations

from typing import ClassVar

import numpy as np

from framing.model.embedding_regression import BlendingScorer, EmbeddingRegression, blend_field
from framing.model.errors import FramingError
from framing.model.layout import ARTICLE_FRAME_ARRAYS, ARTICLE_FRAME_SETTINGS
from framing.model.scores import DocumentScores, PreparedText
from framing.model.sentence_frames import text_encoding
from framing.model.taxonomy import FRAMES


class ArticleFrameFormatError(FramingError, ValueError):
    """The saved article-frame files are missing, inconsistent or of an unknown format."""


def article_token_ids(prepared: PreparedText, tokenizer) -> np.ndarray:
    """The article's word pieces, all of them, without special tokens (one encode of the text, no
    thread pool: see `model.sentence_frames.sentence_token_ids`)."""
    return np.asarray(text_encoding(prepared, tokenizer).ids, dtype=np.int64)


class ArticleFrameModel(EmbeddingRegression):
    """Features of one article to one probability per frame."""

    FORMAT: ClassVar[str] = "framing-article-frames/1"
    LABEL_KIND: ClassVar[str] = "frames"
    LABELS: ClassVar[tuple[str, ...]] = tuple(FRAMES)
    SETTINGS_FILE: ClassVar[str] = ARTICLE_FRAME_SETTINGS
    ARRAYS_FILE: ClassVar[str] = ARTICLE_FRAME_ARRAYS
    WHAT: ClassVar[str] = "article-frame model"
    ERROR: ClassVar[type[FramingError]] = ArticleFrameFormatError

    def score(self, documents: list[PreparedText], tokenizer, table: np.ndarray) -> list[np.ndarray]:
        if not documents:
            return []
        return list(self.probabilities(self.features([article_token_ids(p, tokenizer) for p in documents], table)))


def blend_article_frames(scores: list[DocumentScores], own: list[np.ndarray], share: float) -> list[DocumentScores]:
    """The served article-frame scores with the article-frame model's at `share`; nothing else changes."""
    return blend_field("article_frames", scores, own, share)


class ArticleFrameScorer(BlendingScorer):
    """The served scorer with its article frames blended with the article-frame model's."""

    blend = staticmethod(blend_article_frames)
