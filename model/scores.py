"""What a scorer hands to decoding: raw probabilities laid over the segmented text.

Both the neural network and the TF-IDF baseline produce this, so one decoder (and so one set of
calibrated thresholds, one output shape, one evaluation) serves both.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

import numpy as np
import regex

from framing.model.segmentation import Paragraph, Sentence, split_paragraphs, split_sentences

# Words are the unit spans snap to: runs of letters/digits (with inner hyphens or apostrophes), or
# single punctuation marks. Inside a word, combining marks (a decomposed "re\u0301gime"), joiners and
# soft hyphens belong to it: otherwise the word would be cut in pieces and a highlight end mid-word.
# Letters and digits are what `re`'s \w means (\p{L}, \p{N}, "_"); `regex` is used for \p{M}.
_START = r"[\p{L}\p{N}_]"
_INNER = r"[\p{L}\p{N}_\p{M}\u00ad\u200c\u200d\u2060]"
_WORD = regex.compile(rf"{_START}{_INNER}*(?:[-'’]{_START}{_INNER}*)*|[^\p{{L}}\p{{N}}_\s\x1c-\x1f]")


# Probabilities are clipped here before a logit: a score certain of a text does not outvote the others
# it is weighed against (the stacks of model.sentence_stack and model.word_stack).
LOGIT_CLIP = 1e-4


def logit(p: np.ndarray) -> np.ndarray:
    p = np.clip(np.asarray(p, dtype=np.float64), LOGIT_CLIP, 1.0 - LOGIT_CLIP)
    return np.log(p / (1.0 - p))


@dataclass
class PreparedText:
    """A text cut into paragraphs, sentences and words, with code-point offsets."""

    text: str
    paragraphs: list[Paragraph]
    sentences: list[Sentence]
    words: np.ndarray  # [n_words, 2] start, end
    word_sentence: np.ndarray  # [n_words] sentence index of each word
    # The tokenizer's encoding of `text` per tokenizer, kept so that the models reading the whole text's
    # word pieces (article frames, sentence frames, sentence techniques) encode it once between them
    # (`model.sentence_frames.text_encoding`).
    encodings: dict = field(default_factory=dict, repr=False, compare=False)
    _foreign_script: tuple[list[bool], list[str]] | None = field(default=None, repr=False, compare=False)

    @classmethod
    def from_text(cls, text: str) -> PreparedText:
        sentences = split_sentences(text)
        words = np.array([m.span() for m in _WORD.finditer(text)], dtype=np.int64).reshape(-1, 2)
        sentence_starts = np.array([s.start for s in sentences], dtype=np.int64)
        word_sentence = np.searchsorted(sentence_starts, words[:, 0], side="right") - 1
        return cls(text, split_paragraphs(text), sentences, words, np.clip(word_sentence, 0, None))

    def foreign_script(self) -> tuple[list[bool], list[str]]:
        """Which sentences are in another script than the (Latin) text around them, and which scripts
        (`model.language.foreign_script_sentences`); worked out once, read by decoding and by the
        language check."""
        if self._foreign_script is None:
            from framing.model.language import foreign_script_sentences

            self._foreign_script = foreign_script_sentences(self.text, [(s.start, s.end) for s in self.sentences])
        return self._foreign_script


@dataclass
class DocumentScores:
    """Probabilities in [0, 1]; label axes follow `model.taxonomy` order."""

    word_techniques: np.ndarray  # [n_words, n_techniques]
    sentence_techniques: np.ndarray  # [n_sentences, n_techniques]
    sentence_frames: np.ndarray  # [n_sentences, n_frames]
    article_frames: np.ndarray  # [n_frames]


class Scorer(Protocol):
    name: str

    def score(self, documents: list[PreparedText]) -> list[DocumentScores]: ...
