"""Loaded_Language and Name_Calling word scores stacked with their context and the corpus's words
(issue 14: Loaded_Language F1 and span F1).

The network scores each word from its window alone. Two things it weighs badly: how the sentence
as a whole reads (the network's and the TF-IDF model's sentence scores), and how often annotators
marked this very word loaded elsewhere in the corpus ("regime", "terrorists", "slammed"). The word
stack is a logistic regression per technique over those logits and a smoothed lexical prior (a
word's share of occurrences inside a gold span of the technique in the articles the stack was
fitted on), fitted on out-of-fold scores by `framing crossval` (`training.word_stack`). A word the
corpus never had gets the corpus's base rate, so unseen pejoratives are judged on context alone,
as before. Its output replaces the two techniques' word scores; nothing else changes.
Measurements: docs/model-experiments.md, section 13.

Kept inside `sentence_stack.json` under "words": the stack is fitted and served with the sentence
stack, from the same parts' scores.
"""

from __future__ import annotations

import functools
import threading
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, ClassVar

import numpy as np
import snowballstemmer

from framing.model.errors import FramingError, require_format
from framing.model.scores import LOGIT_CLIP, DocumentScores, PreparedText, logit
from framing.model.taxonomy import TECHNIQUE_INDEX

# The techniques whose word scores are stacked, in the order of the weights' rows.
STACKED = ("Loaded_Language", "Name_Calling-Labeling")
COLUMNS = [TECHNIQUE_INDEX[t] for t in STACKED]  # their columns in the scores' technique axis
FEATURES = ("network_word_ll", "network_word_nc", "network_sentence_ll", "network_sentence_nc",
            "tfidf_sentence_ll", "tfidf_sentence_nc", "prior_ll", "prior_nc", "log_count", "alphabetic")
# Optional feature groups (recipe `word_stack_features`; docs/model-experiments.md, section 15), after
# FEATURES in this order: the lexicon's counts summed over the word's stem, so that an unseen plural
# learns from its singular; the neighbouring words' network logits and priors, within the sentence
# (loaded phrases run over two words); priors counted on auxiliary corpora the network never trains
# on (BABE, SemEval-2021), which reach words the corpus lacks, three columns per corpus.
GROUPS = ("stems", "neighbours", "auxiliary")
STEM_FEATURES = ("stem_prior_ll", "stem_prior_nc", "stem_log_count")
NEIGHBOUR_FEATURES = ("previous_word_ll", "previous_word_nc", "next_word_ll", "next_word_nc",
                      "previous_prior_ll", "previous_prior_nc", "next_prior_ll", "next_prior_nc")


def feature_names(groups: Sequence[str] = (), auxiliary: Sequence[str] = ()) -> tuple[str, ...]:
    """The columns of a stack with these feature groups and auxiliary lexicons (their kinds)."""
    names = list(FEATURES)
    if "stems" in groups:
        names += STEM_FEATURES
    if "neighbours" in groups:
        names += NEIGHBOUR_FEATURES
    if "auxiliary" in groups:
        names += [f"{kind}_{name}" for kind in auxiliary for name in ("prior_ll", "prior_nc", "log_count")]
    return tuple(names)


_STEMMER = snowballstemmer.stemmer("english")
_STEMMER_LOCK = threading.Lock()  # a Snowball stemmer keeps state while it stems


@functools.lru_cache(maxsize=1 << 16)
def stem(word: str) -> str:
    """The word's English Snowball stem ("mercenaries" and "mercenary" share "mercenari")."""
    with _STEMMER_LOCK:
        return _STEMMER.stemWord(word)


# Pseudo-occurrences at the base rate added to every word's count: a word seen once is not certain.
SMOOTHING = 2.0
# Words seen fewer times than this with no marked occurrence are not stored (the prior of such a word
# is close to the base rate); the same cut is made when fitting, so serving reads what was fitted.
MIN_COUNT = 2


class WordStackFormatError(FramingError, ValueError):
    """The saved word stack is missing fields, has the wrong shape or an unknown format."""


# Invisible characters that may sit inside a word (soft hyphen, zero-width space and joiners): not part
# of its key, so "re\u00adgime" is looked up as "regime".
INVISIBLE = str.maketrans("", "", "\u00ad\u200b\u200c\u200d\u2060\ufeff")


def key(word: str) -> str:
    """A word's lexicon key: composed (NFC), lower-cased, without invisible characters, so the same
    word typed decomposed or with a soft hyphen finds the same entry."""
    return unicodedata.normalize("NFC", word.translate(INVISIBLE)).lower()


def words_of(prepared: PreparedText) -> list[str]:
    """The lexicon's keys of a text's words."""
    text = prepared.text
    return [key(text[start:end]) for start, end in prepared.words.tolist()]


Counts = tuple[int, int, int]  # occurrences, inside a Loaded_Language span, inside a Name_Calling span


def summed(entries: Iterable[tuple[str, Counts]]) -> dict[str, Counts]:
    """The counts of each word, summed over the entries that name it."""
    totals: dict[str, Counts] = {}
    for word, (c, ll, nc) in entries:
        before = totals.get(word, (0, 0, 0))
        totals[word] = (before[0] + c, before[1] + ll, before[2] + nc)
    return totals


def kept(counts: Mapping[str, Counts]) -> dict[str, Counts]:
    """The words a lexicon stores: seen MIN_COUNT times or ever marked."""
    return {w: (c, ll, nc) for w, (c, ll, nc) in counts.items() if c >= MIN_COUNT or ll or nc}


@dataclass(frozen=True)
class Lexicon:
    """Per word: occurrences, and occurrences inside a gold span of each stacked technique."""

    counts: Mapping[str, Counts]
    base: tuple[float, float]  # each technique's share of all word occurrences counted

    @classmethod
    def count(cls, texts: Iterable[tuple[list[str], np.ndarray]], keep_rare: bool = False) -> Lexicon:
        """From (words, [words, 2] bool marked) pairs; rare words without a mark are dropped, unless
        `keep_rare` (counts to be `merged` into another lexicon, where the sums decide)."""
        totals: dict[str, list[int]] = {}
        n, marked = 0, np.zeros(2)
        for words, gold in texts:
            n += len(words)
            marked += gold.sum(axis=0)
            for word, (ll, nc) in zip(words, gold.tolist(), strict=True):
                entry = totals.setdefault(word, [0, 0, 0])
                entry[0] += 1
                entry[1] += ll
                entry[2] += nc
        base = tuple(float(x) for x in np.clip(marked / max(n, 1), LOGIT_CLIP, 1.0 - LOGIT_CLIP))
        counts = {w: (c, ll, nc) for w, (c, ll, nc) in totals.items()}
        return cls(counts if keep_rare else kept(counts), (base[0], base[1]))

    def merged(self, other: Lexicon) -> Lexicon:
        """This lexicon's counts plus `other`'s, at this one's base rates (kept by the rule `count`
        applies, on the sums): how a descendant learns the words of its fresh annotations."""
        return Lexicon(kept(summed([*self.counts.items(), *other.counts.items()])), self.base)

    @functools.cached_property
    def stemmed(self) -> Lexicon:
        """The same counts summed over each word's stem (the "stems" feature group), made once."""
        return Lexicon(summed((stem(w), c) for w, c in self.counts.items()), self.base)

    def features(self, words: list[str]) -> np.ndarray:
        """[words, 4]: the two priors' logits, log count and whether the word is alphabetic."""
        unseen = (0, 0, 0)
        counts = np.array([self.counts.get(word, unseen) for word in words], dtype=np.float64).reshape(-1, 3)
        total = counts[:, :1] + SMOOTHING
        priors = (counts[:, 1:] + SMOOTHING * np.array(self.base)) / total
        alphabetic = np.array([word.isalpha() for word in words], dtype=np.float64)
        return np.column_stack([logit(priors), np.log1p(counts[:, 0]), alphabetic])


def features(prepared: PreparedText, words: list[str], network: DocumentScores, tfidf: DocumentScores,
             lexicon: Lexicon, groups: Sequence[str] = (), auxiliary: Mapping[str, Lexicon] | None = None
             ) -> np.ndarray:
    """[words, feature_names(groups, auxiliary)]: the network's word and sentence logits, the TF-IDF
    model's sentence logits (of each word's sentence) and the lexicon's features of `words` (the
    text's, `words_of`), then the optional groups' columns."""
    sentence = prepared.word_sentence
    own = lexicon.features(words)
    words_logits = logit(network.word_techniques[:, COLUMNS])
    columns = [words_logits, logit(network.sentence_techniques[sentence][:, COLUMNS]),
               logit(tfidf.sentence_techniques[sentence][:, COLUMNS]), own]
    if "stems" in groups:
        columns.append(lexicon.stemmed.features([stem(w) for w in words])[:, :3])
    if "neighbours" in groups:
        columns.append(_neighbours(sentence, words_logits, own[:, :2]))
    if "auxiliary" in groups:
        columns += [other.features(words)[:, :3] for other in (auxiliary or {}).values()]
    return np.concatenate(columns, axis=1)


def _neighbours(sentence: np.ndarray, word_logits: np.ndarray, priors: np.ndarray) -> np.ndarray:
    """[words, 8]: the previous and next word's logits, then their priors; a word without a neighbour
    in its sentence gets the lowest logit and the lowest prior of the text."""
    n = len(sentence)
    previous = np.zeros(n, dtype=bool)
    previous[1:] = sentence[1:] == sentence[:-1]
    following = np.zeros(n, dtype=bool)
    following[:-1] = sentence[:-1] == sentence[1:]
    low_logit, low_prior = float(logit(np.array(0.0))), float(priors.min(initial=0.0))

    def shifted(values: np.ndarray, step: int, present: np.ndarray, fill: float) -> np.ndarray:
        out = np.full_like(values, fill)
        if step > 0:
            out[1:] = values[:-1]
        else:
            out[:-1] = values[1:]
        return np.where(present[:, None], out, fill)

    return np.concatenate([shifted(word_logits, 1, previous, low_logit), shifted(word_logits, -1, following, low_logit),
                           shifted(priors, 1, previous, low_prior), shifted(priors, -1, following, low_prior)], axis=1)


@dataclass(frozen=True)
class WordStack:
    """Per stacked technique `sigmoid(weights · features + bias)` where `fitted` (the network's word
    scores elsewhere), read beside `lexicon`."""

    weights: np.ndarray  # [len(STACKED), len(self.features)]
    bias: np.ndarray  # [len(STACKED)]
    fitted: np.ndarray  # [len(STACKED)] bool: the technique had enough marked words to fit
    lexicon: Lexicon
    groups: tuple[str, ...] = ()  # optional feature groups, of GROUPS
    auxiliary: Mapping[str, Lexicon] = field(default_factory=dict)  # kind -> lexicon, for "auxiliary"

    FORMAT: ClassVar[str] = "framing-word-stack/1"

    @property
    def features(self) -> tuple[str, ...]:
        return feature_names(self.groups, list(self.auxiliary))

    def __post_init__(self) -> None:
        unknown = [g for g in self.groups if g not in GROUPS]
        if unknown:
            raise WordStackFormatError(f"unknown word stack feature groups {unknown}; known: {', '.join(GROUPS)}")
        if ("auxiliary" in self.groups) != bool(self.auxiliary):
            raise WordStackFormatError("the auxiliary feature group and auxiliary lexicons go together")
        width = len(self.features)
        shapes = (self.weights.shape, self.bias.shape, self.fitted.shape)
        if shapes != ((len(STACKED), width), (len(STACKED),), (len(STACKED),)):
            raise WordStackFormatError(f"word stack arrays have shapes {shapes}, expected "
                                       f"({len(STACKED)}, {width}), ({len(STACKED)},) and ({len(STACKED)},)")
        if not (np.isfinite(self.weights).all() and np.isfinite(self.bias).all()):
            raise WordStackFormatError("word stack weights must be finite numbers")
        if not all(0.0 < b < 1.0 for b in self.lexicon.base):
            raise WordStackFormatError(f"word stack base rates must lie in (0, 1), got {self.lexicon.base}")

    def apply(self, prepared: PreparedText, scores: DocumentScores, network: DocumentScores,
              tfidf: DocumentScores) -> DocumentScores:
        """`scores` with the stacked techniques' word scores from the stack."""
        if not len(prepared.words) or not self.fitted.any():
            return scores
        z = features(prepared, words_of(prepared), network, tfidf, self.lexicon, self.groups,
                     self.auxiliary) @ self.weights.T + self.bias
        words = scores.word_techniques.copy()
        for k in np.flatnonzero(self.fitted):
            words[:, COLUMNS[k]] = 1.0 / (1.0 + np.exp(-z[:, k]))
        return replace(scores, word_techniques=words.astype(np.float32))

    def to_json(self) -> dict[str, Any]:
        optional = ({"groups": list(self.groups)} if self.groups else {}) | (
            {"auxiliary": {kind: _lexicon_json(lexicon) for kind, lexicon in self.auxiliary.items()}}
            if self.auxiliary else {})
        return {"format": self.FORMAT, "techniques": list(STACKED), "features": list(self.features),
                "weights": self.weights.round(6).tolist(), "bias": self.bias.round(6).tolist(),
                "fitted": self.fitted.tolist(), **_lexicon_json(self.lexicon), **optional}

    @classmethod
    def from_json(cls, raw: Any, source: str = "word stack") -> WordStack:
        raw = require_format(raw, cls.FORMAT, WordStackFormatError, source)
        try:
            groups = tuple(str(g) for g in raw.get("groups", []))
            auxiliary = {str(kind): _lexicon_of(entry) for kind, entry in dict(raw.get("auxiliary", {})).items()}
        except (KeyError, TypeError, ValueError) as error:
            raise WordStackFormatError(f"{source}: malformed feature groups or auxiliary lexicons ({error})") from error
        expected = list(feature_names(groups, list(auxiliary)))
        if raw.get("techniques") != list(STACKED) or raw.get("features") != expected:
            raise WordStackFormatError(f"{source}: fitted for other techniques or features than this version's")
        try:
            weights = np.array(raw["weights"], dtype=np.float64)
            bias = np.array(raw["bias"], dtype=np.float64)
            fitted = np.array(raw["fitted"], dtype=bool)
            lexicon = _lexicon_of(raw)
        except (KeyError, TypeError, ValueError) as error:
            raise WordStackFormatError(f"{source}: missing or malformed fields ({error})") from error
        try:
            return cls(weights, bias, fitted, lexicon, groups, auxiliary)
        except WordStackFormatError as error:
            raise WordStackFormatError(f"{source}: {error}") from error


def _lexicon_json(lexicon: Lexicon) -> dict[str, Any]:
    ordered = sorted(lexicon.counts.items())
    return {"base": list(lexicon.base), "words": [w for w, _ in ordered], "counts": [list(c) for _, c in ordered]}


def _lexicon_of(raw: Mapping[str, Any]) -> Lexicon:
    """A saved lexicon; ValueError, TypeError or KeyError when malformed."""
    base = tuple(float(b) for b in raw["base"])
    words, counts = list(raw["words"]), [tuple(int(x) for x in c) for c in raw["counts"]]
    if len(words) != len(counts) or len(base) != 2 or any(len(c) != 3 for c in counts):
        raise ValueError("words, counts and base rates do not match")
    if not all(isinstance(w, str) for w in words):
        raise ValueError("words must be strings")
    # Keys as this version makes them: entries saved under keys that now coincide are summed.
    return Lexicon(summed((key(w), (c[0], c[1], c[2])) for w, c in zip(words, counts, strict=True)),
                   (base[0], base[1]))
