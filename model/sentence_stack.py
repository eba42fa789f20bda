"""Sentence techniques stacked from the parts' scores (issue 14: paragraph F1).

Three parts score every sentence for every technique: the network (context), the TF-IDF model
(exact words) and the sentence-technique embedding model (words in embedding space). A fixed blend
of their probabilities, at shares chosen by hand, weighs a confident part no more than a hesitant
one. The stack is a logistic regression over the three parts' logits, fitted on out-of-fold scores
(only `framing crossval` has them: `training.sentence_stack`); the file holds a weight per part and
technique and a bias per technique (the fit shares the weights between techniques). Techniques with
too few positive sentences to fit keep the fixed blend. Word scores, spans and frames are not
touched. Measurements: docs/model-experiments.md, section 11.

Saved as plain JSON (`sentence_stack.json`): a few hundred numbers.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, ClassVar

import numpy as np

from framing.model.ensemble import LexicalShares, combine
from framing.model.errors import FramingError
from framing.model.files import write_atomic
from framing.model.layout import SENTENCE_STACK
from framing.model.scores import DocumentScores, PreparedText, Scorer
from framing.model.sentence_techniques import SentenceTechniqueModel, blend_sentence_techniques
from framing.model.taxonomy import TECHNIQUES

# The parts, in the order of the weights' columns.
PARTS = ("network", "tfidf", "sentence_techniques")
# Probabilities are clipped here before the logit: a part certain of a sentence does not outvote the rest.
CLIP = 1e-4


class SentenceStackFormatError(FramingError, ValueError):
    """The saved stack is missing fields, has the wrong shape or an unknown format."""


def logit(p: np.ndarray) -> np.ndarray:
    p = np.clip(np.asarray(p, dtype=np.float64), CLIP, 1.0 - CLIP)
    return np.log(p / (1.0 - p))


def features(network: np.ndarray, tfidf: np.ndarray, own: np.ndarray) -> np.ndarray:
    """[sentences, techniques, parts]: the parts' logits, in `PARTS` order."""
    return np.stack([logit(network), logit(tfidf), logit(own)], axis=-1)


@dataclass(frozen=True)
class SentenceStack:
    """Per technique, `sigmoid(weights · logits + bias)` where `fitted`, the fixed blend elsewhere."""

    weights: np.ndarray  # [techniques, parts]
    bias: np.ndarray  # [techniques]
    fitted: np.ndarray  # [techniques] bool

    FORMAT: ClassVar[str] = "framing-sentence-stack/1"

    def __post_init__(self) -> None:
        shapes = (self.weights.shape, self.bias.shape, self.fitted.shape)
        if shapes != ((len(TECHNIQUES), len(PARTS)), (len(TECHNIQUES),), (len(TECHNIQUES),)):
            raise SentenceStackFormatError(f"sentence stack arrays have shapes {shapes}, expected "
                                           f"({len(TECHNIQUES)}, {len(PARTS)}), ({len(TECHNIQUES)},) and "
                                           f"({len(TECHNIQUES)},)")
        if not (np.isfinite(self.weights).all() and np.isfinite(self.bias).all()):
            raise SentenceStackFormatError("sentence stack weights must be finite numbers")

    def apply(self, network: np.ndarray, tfidf: np.ndarray, own: np.ndarray, blended: np.ndarray) -> np.ndarray:
        """[sentences, techniques]: stacked probabilities; `blended` (the fixed blend) where not fitted."""
        if not len(network):
            return blended
        z = np.einsum("stp,tp->st", features(network, tfidf, own), self.weights) + self.bias
        stacked = 1.0 / (1.0 + np.exp(-z))
        return np.where(self.fitted[None, :], stacked, blended).astype(np.float32)

    def to_json(self) -> dict[str, Any]:
        return {"format": self.FORMAT, "parts": list(PARTS), "techniques": list(TECHNIQUES),
                "weights": self.weights.round(6).tolist(), "bias": self.bias.round(6).tolist(),
                "fitted": self.fitted.tolist()}

    @classmethod
    def from_json(cls, raw: Any, source: str = "sentence stack") -> SentenceStack:
        if not isinstance(raw, dict) or raw.get("format") != cls.FORMAT:
            found = raw.get("format") if isinstance(raw, dict) else type(raw).__name__
            raise SentenceStackFormatError(f"{source}: format {found!r}, expected {cls.FORMAT!r}")
        if raw.get("parts") != list(PARTS) or raw.get("techniques") != list(TECHNIQUES):
            raise SentenceStackFormatError(f"{source}: fitted for other parts or techniques than this version's "
                                           f"({', '.join(PARTS)}; {len(TECHNIQUES)} techniques)")
        try:
            weights = np.array(raw["weights"], dtype=np.float64)
            bias = np.array(raw["bias"], dtype=np.float64)
            fitted = np.array(raw["fitted"], dtype=bool)
        except (KeyError, TypeError, ValueError) as error:
            raise SentenceStackFormatError(f"{source}: missing or malformed arrays ({error})") from error
        try:
            return cls(weights, bias, fitted)
        except SentenceStackFormatError as error:
            raise SentenceStackFormatError(f"{source}: {error}") from error

    def save(self, directory: Path) -> None:
        write_atomic(directory / SENTENCE_STACK, json.dumps(self.to_json()) + "\n")

    @classmethod
    def load(cls, directory: Path) -> SentenceStack:
        path = directory / SENTENCE_STACK
        try:
            raw = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError) as error:
            raise SentenceStackFormatError(f"{path}: cannot be read ({error})") from error
        return cls.from_json(raw, str(path))


def stacked(scores: list[DocumentScores], network: list[DocumentScores], tfidf: list[DocumentScores],
            own: list[np.ndarray], stack: SentenceStack) -> list[DocumentScores]:
    """`scores` (the served blend) with their sentence techniques from the stack; nothing else changes."""
    return [replace(s, sentence_techniques=stack.apply(n.sentence_techniques, x.sentence_techniques, o,
                                                       s.sentence_techniques))
            for s, n, x, o in zip(scores, network, tfidf, own, strict=True)]


class StackingScorer:
    """The served scorer when the folder holds a stack: the network's, the TF-IDF model's and the
    embedding model's sentence scores stacked; everything else as the fixed blend serves it."""

    def __init__(self, neural: Scorer, lexical: Scorer, lexical_shares: LexicalShares,
                 sentence_model: SentenceTechniqueModel, tokenizer: Any,
                 table: np.ndarray, own_share: float, stack: SentenceStack) -> None:
        if not 0.0 < own_share <= 1.0:  # NaN fails the comparison too
            raise ValueError(f"the sentence-technique model's share must lie in (0, 1], got {own_share}")
        self.neural, self.lexical, self.shares = neural, lexical, lexical_shares
        self.sentence_model, self.tokenizer, self.table = sentence_model, tokenizer, table
        self.own_share, self.stack = own_share, stack
        self.name = "ensemble"

    def score(self, documents: list[PreparedText]) -> list[DocumentScores]:
        network, tfidf = self.neural.score(documents), self.lexical.score(documents)
        own = self.sentence_model.score(documents, self.tokenizer, self.table)
        served = blend_sentence_techniques(combine(network, tfidf, self.shares), own, self.own_share)
        return stacked(served, network, tfidf, own, self.stack)
