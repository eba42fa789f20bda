"""One logistic regression per label over a text's static embeddings: the shape of the article-frame
model (`model.article_frames`) and the sentence-technique model (`model.sentence_techniques`).

A text (an article, a sentence) becomes the mean and the SIF-weighted mean (Arora et al. 2017) of the
static input embeddings of its word pieces, read from the served network's own
`embeddings.word_embeddings` table, so no second encoder pass; standardised, it is mapped to one
probability per label. Synonyms and related words land near each other in that space, which the
TF-IDF model cannot know, and the whole text is read at once, which the network's windows cannot.

Saved as plain data (a JSON file of settings, a safetensors file of arrays), never a pickle.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
from scipy.special import expit

from framing.model.array_files import read_frame_arrays, save_frame_arrays
from framing.model.errors import FramingError
from framing.model.scores import DocumentScores, PreparedText, Scorer
from framing.model.sentence_frames import embed_sentences

ARRAY_NAMES = ("token_weight", "feature_mean", "feature_scale", "weight", "bias")
# Features without a common component removed: the standardisation before the regressions takes out
# what all texts share.
NO_COMMON_COMPONENT = np.zeros(0, dtype=np.float32)


def embedding_table(network) -> np.ndarray:
    """The static input embeddings of the network, rounded to fp16 as its model folder stores them, so
    a model fitted on a network in memory reads what the served one will."""
    weight = network.encoder.embeddings.word_embeddings.weight.detach()
    return weight.half().float().numpy()


@dataclass
class EmbeddingRegression:
    """Features of a text to one probability per label. Subclasses name their labels and files."""

    arrays: dict[str, np.ndarray]
    settings: dict[str, Any] = field(default_factory=dict)  # how it was fitted, for the model card

    FORMAT: ClassVar[str]
    LABEL_KIND: ClassVar[str]  # "frames" or "techniques": the settings key holding the label order
    LABELS: ClassVar[tuple[str, ...]]
    SETTINGS_FILE: ClassVar[str]
    ARRAYS_FILE: ClassVar[str]
    WHAT: ClassVar[str]  # how error messages name the model
    ERROR: ClassVar[type[FramingError]]

    def score(self, documents: list[PreparedText], tokenizer, table: np.ndarray) -> list[np.ndarray]:
        """One array of probabilities per document, over the subclass's unit (the article, each sentence)."""
        raise NotImplementedError

    def features(self, token_ids: list[np.ndarray], table: np.ndarray) -> np.ndarray:
        """[texts, 2 * dim]: mean and SIF mean of each text's word-piece embeddings."""
        return embed_sentences(token_ids, table, self.arrays["token_weight"], NO_COMMON_COMPONENT)

    def probabilities(self, features: np.ndarray) -> np.ndarray:
        """[texts, labels] from [texts, 2 * dim]. Elementwise products, not a matrix product: numpy's
        BLAS threads keep spinning after a call and slow the network's next pass (see
        `model.sentence_frames.SentenceFrameModel.logits`)."""
        a = self.arrays
        x = (features - a["feature_mean"]) / a["feature_scale"]
        logits = (x[:, None, :] * a["weight"][None, :, :]).sum(axis=-1) + a["bias"]
        return expit(logits).astype(np.float32)

    # ---------------------------------------------------------------------------------- files

    def save(self, directory: Path) -> None:
        save_frame_arrays(directory, self.SETTINGS_FILE, self.ARRAYS_FILE,
                          {"format": self.FORMAT, "fit": self.settings}, self.arrays, ARRAY_NAMES,
                          self.LABEL_KIND, self.LABELS)

    @classmethod
    def load(cls, directory: Path):  # -> the subclass
        settings, arrays = read_frame_arrays(directory, cls.SETTINGS_FILE, cls.ARRAYS_FILE, cls.FORMAT, cls.WHAT,
                                             cls.ERROR, cls.LABEL_KIND, cls.LABELS)
        missing = [name for name in ARRAY_NAMES if name not in arrays]
        if missing:
            raise cls.ERROR(f"{directory}: the {cls.WHAT} arrays are incomplete (missing: {', '.join(missing)})")
        model = cls(arrays, dict(settings.get("fit") or {}))
        model.check_shapes(str(directory))
        return model

    def check_shapes(self, where: str, vocabulary: int | None = None, dim: int | None = None) -> None:
        """Refuses arrays that do not fit together (or, when given, the network's embedding table)."""
        a = self.arrays
        width = a["feature_mean"].shape[0] if a["feature_mean"].ndim == 1 else -1
        n = len(self.LABELS)
        expected = {"feature_scale": (width,), "weight": (n, width), "bias": (n,)}
        if vocabulary is not None:
            expected["token_weight"] = (vocabulary,)
        if dim is not None and width != 2 * dim:
            raise self.ERROR(f"{where}: the {self.WHAT} reads {width} features, the network's embeddings give "
                             f"{2 * dim}")
        for name, shape in expected.items():
            if a[name].shape != shape:
                raise self.ERROR(f"{where}: {self.WHAT} array {name} has shape {a[name].shape}, expected {shape}")


def blend_field(name: str, scores: list[DocumentScores], own: list[np.ndarray], share: float) -> list[DocumentScores]:
    """`scores` with their field `name` blended with a model's own scores at `share`; nothing else changes."""
    return [replace(s, **{name: ((1.0 - share) * getattr(s, name) + share * o).astype(np.float32)})
            for s, o in zip(scores, own, strict=True)]


class BlendingScorer:
    """Wraps the served scorer: one field of its scores is blended with an embedding regression's
    probabilities at `share` (`blend`), the model's arrays checked against `table` by the folder."""

    blend: ClassVar[Callable[[list[DocumentScores], list[np.ndarray], float], list[DocumentScores]]]

    def __init__(self, base: Scorer, model: Any, tokenizer, table: np.ndarray, share: float) -> None:
        if not 0.0 < share <= 1.0:
            raise ValueError(f"the {model.WHAT}'s share must lie in (0, 1], got {share}")
        self.base = base
        self.model = model
        self.tokenizer = tokenizer
        self.table = table
        self.share = share
        self.name = getattr(base, "name", "scorer")

    def score(self, documents: list[PreparedText]) -> list[DocumentScores]:
        blend = type(self).blend
        return blend(self.base.score(documents), self.model.score(documents, self.tokenizer, self.table), self.share)
