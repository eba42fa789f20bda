"""Sentence techniques stacked from the parts' scores (issue 14: paragraph F1).

Three parts score every sentence for every technique: the network (context), the TF-IDF model
(exact words) and the sentence-technique embedding model (words in embedding space). A fixed blend
of their probabilities, at shares chosen by hand, weighs a confident part no more than a hesitant
one. The stack is a logistic regression over the three parts' logits, fitted on out-of-fold scores
(only `framing crossval` has them: `training.sentence_stack`); the file holds a weight per part and
technique and a bias per technique (the fit shares the weights between techniques). Techniques with
too few positive sentences to fit keep the fixed blend. Frames are not touched, and word scores only
by the word stack (model.word_stack) the file may carry beside. Measurements:
docs/model-experiments.md, sections 11 and 13.

Saved as plain JSON (`sentence_stack.json`): a few hundred numbers.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, ClassVar

import numpy as np

from framing.model.ensemble import LexicalShares, combine
from framing.model.errors import FramingError, require_format
from framing.model.files import write_atomic
from framing.model.layout import SENTENCE_STACK
from framing.model.scores import DocumentScores, PreparedText, Scorer, logit
from framing.model.sentence_techniques import SentenceTechniqueModel, blend_sentence_techniques
from framing.model.taxonomy import TECHNIQUES
from framing.model.word_stack import WordStack, WordStackFormatError

# The parts, in the order of the weights' columns.
PARTS = ("network", "tfidf", "sentence_techniques")


class SentenceStackFormatError(FramingError, ValueError):
    """The saved stack is missing fields, has the wrong shape or an unknown format."""



def features(network: np.ndarray, tfidf: np.ndarray, own: np.ndarray) -> np.ndarray:
    """[sentences, techniques, parts]: the parts' logits, in `PARTS` order."""
    return np.stack([logit(network), logit(tfidf), logit(own)], axis=-1)


@dataclass(frozen=True)
class SentenceStack:
    """Per technique, `sigmoid(weights · logits + bias)` where `fitted`, the fixed blend elsewhere."""

    weights: np.ndarray  # [techniques, parts]
    bias: np.ndarray  # [techniques]
    fitted: np.ndarray  # [techniques] bool
    words: WordStack | None = None  # Loaded_Language and Name_Calling word scores stacked too, when fitted

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
                "fitted": self.fitted.tolist(), **({"words": self.words.to_json()} if self.words else {})}

    @classmethod
    def from_json(cls, raw: Any, source: str = "sentence stack") -> SentenceStack:
        raw = require_format(raw, cls.FORMAT, SentenceStackFormatError, source)
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
            words = WordStack.from_json(raw["words"], f"{source}, words") if "words" in raw else None
            return cls(weights, bias, fitted, words)
        except WordStackFormatError as error:
            raise SentenceStackFormatError(str(error)) from error
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


def stacked(prepared: Sequence[PreparedText] | None, scores: list[DocumentScores], network: list[DocumentScores],
            tfidf: list[DocumentScores], own: list[np.ndarray], stack: SentenceStack) -> list[DocumentScores]:
    """`scores` (the served blend) with their sentence techniques from the stack, and the stacked
    techniques' word scores from its word stack when it has one (which reads the `prepared` texts'
    words); nothing else changes."""
    done = [replace(s, sentence_techniques=stack.apply(n.sentence_techniques, x.sentence_techniques, o,
                                                       s.sentence_techniques))
            for s, n, x, o in zip(scores, network, tfidf, own, strict=True)]
    if stack.words is None:
        return done
    if prepared is None:
        raise ValueError("the word stack reads the texts' words: stacked() needs the prepared texts")
    return [stack.words.apply(p, s, n, x) for p, s, n, x in zip(prepared, done, network, tfidf, strict=True)]


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
        return stacked(documents, served, network, tfidf, own, self.stack)
