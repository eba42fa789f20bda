"""Fitting the sentence stack (model.sentence_stack) on out-of-fold scores, and judging it nested.

The stack learns how far to trust each part for each technique, so it must see the parts' scores
on articles they never trained on: the out-of-fold scores of cross-validation. It is judged the
way thresholds are: the fold whose figures are measured never informs anything decided about it.
For fold f, every other fold g is stacked by a stack fitted on the folds other than f and g (the
thresholds fitted on g's scores never saw f), and f by one fitted on all folds but f; the served
stack is fitted on every out-of-fold score, as the served thresholds are. The word stack
(training.word_stack), when asked for, is fitted and nested with it, on the same folds.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from sklearn.linear_model import LogisticRegression

from framing.model.scores import DocumentScores, PreparedText
from framing.model.sentence_stack import PARTS, SentenceStack, features, stacked
from framing.model.taxonomy import TECHNIQUES
from framing.model.word_stack import WordStack
from framing.training.documents import Document
from framing.training.sentence_techniques import sentence_labels
from framing.training.word_stack import WordStackRecipe, fit_word_stack, word_labels

# Inverse regularisation of the regression: three shared weights and the biases, fitted on tens of
# thousands of sentence-technique pairs, so the penalty matters little.
STACK_C = 0.1
# Positive (and negative) sentences a technique needs before it is stacked; below, the fixed blend.
MIN_POSITIVES = 5
# Each technique's indicator feature is this large, so its coefficient (its bias) is barely penalised.
INDICATOR_SCALE = 10.0


@dataclass
class StackParts:
    """Each article's sentence scores from every part, and its gold sentence labels."""

    network: list[DocumentScores]
    tfidf: list[DocumentScores]
    own: list[np.ndarray]  # the sentence-technique model's [sentences, techniques]
    labels: list[np.ndarray]  # [sentences, techniques] bool
    prepared: list[PreparedText] | None = None  # the texts and their words' gold labels, for the word stack
    word_labels: list[np.ndarray] | None = None  # [words, len(model.word_stack.STACKED)] bool

    @classmethod
    def of(cls, documents: Sequence[Document], prepared: Sequence[PreparedText],
           network: Sequence[DocumentScores], tfidf: Sequence[DocumentScores],
           own: Sequence[np.ndarray]) -> StackParts:
        return cls(list(network), list(tfidf), list(own),
                   [sentence_labels(d, p) for d, p in zip(documents, prepared, strict=True)], list(prepared),
                   [word_labels(d, p) for d, p in zip(documents, prepared, strict=True)])

    def features(self, i: int) -> np.ndarray:
        """[sentences, techniques, parts] of article `i`."""
        return features(self.network[i].sentence_techniques, self.tfidf[i].sentence_techniques, self.own[i])


def fit_stack(parts: StackParts, rows: Sequence[int], c: float = STACK_C,
              min_positives: int = MIN_POSITIVES, groups: Sequence[int] | None = None,
              recipe: WordStackRecipe | None = None) -> SentenceStack:
    """The stack fitted on the sentences of articles `rows`: one weight per part, shared by every
    technique that has `min_positives` positive (and negative) sentences, and a bias per technique.
    With `groups` (the rows' folds), the word stack is fitted too (as `recipe` says), its training
    priors counted across the groups.

    Shared, because a weight per part and technique was measured and did worse: fitted on a third
    of the corpus, the rare techniques' weights are noise (docs/model-experiments.md, section 11).
    The technique indicators are scaled up so the penalty leaves their biases nearly free."""
    weights = np.zeros((len(TECHNIQUES), len(PARTS)))
    bias = np.zeros(len(TECHNIQUES))
    usable = [i for i in rows if len(parts.labels[i])]
    if not usable:
        return SentenceStack(weights, bias, np.zeros(len(TECHNIQUES), dtype=bool), _words(parts, rows, groups, recipe))
    x = np.concatenate([parts.features(i) for i in usable])  # [sentences, techniques, parts]
    y = np.concatenate([parts.labels[i] for i in usable])
    positives = y.sum(axis=0)
    fitted = (positives >= min_positives) & (len(y) - positives >= min_positives)
    chosen = np.flatnonzero(fitted)
    if not len(chosen):
        return SentenceStack(weights, bias, fitted, _words(parts, rows, groups, recipe))
    indicators = np.eye(len(chosen)) * INDICATOR_SCALE
    design = np.concatenate([np.concatenate([x[:, t, :], np.repeat(indicators[k][None, :], len(y), axis=0)], axis=1)
                             for k, t in enumerate(chosen)])
    regression = LogisticRegression(C=c, max_iter=5000).fit(design, np.concatenate([y[:, t] for t in chosen]))
    coefficients = regression.coef_[0]
    weights[chosen] = coefficients[: len(PARTS)]
    bias[chosen] = coefficients[len(PARTS):] * INDICATOR_SCALE + regression.intercept_[0]
    return SentenceStack(weights, bias, fitted, _words(parts, rows, groups, recipe))


def _words(parts: StackParts, rows: Sequence[int], groups: Sequence[int] | None,
           recipe: WordStackRecipe | None) -> WordStack | None:
    if groups is None or parts.prepared is None or parts.word_labels is None:
        return None
    return fit_word_stack(parts.prepared, parts.network, parts.tfidf, parts.word_labels, list(rows), groups, recipe)


def apply_stack(served: Sequence[DocumentScores], parts: StackParts, stack: SentenceStack,
                rows: Sequence[int]) -> dict[int, DocumentScores]:
    """Articles `rows` of the served blend with their sentence techniques (and words) stacked."""
    prepared = [parts.prepared[i] for i in rows] if parts.prepared is not None else None
    done = stacked(prepared, [served[i] for i in rows], [parts.network[i] for i in rows],
                   [parts.tfidf[i] for i in rows], [parts.own[i] for i in rows], stack)
    return dict(zip(rows, done, strict=True))


def nested_scores(served: Sequence[DocumentScores], parts: StackParts, fold_of: Sequence[int],
                  words: bool = False, recipe: WordStackRecipe | None = None) -> Callable[[int], list[DocumentScores]]:
    """For a judged fold, every article's stacked scores as the module docstring deals them (with the
    word stack too when `words`). With two folds there is no third to fit the other fold's stack on:
    it is fitted on that fold itself."""
    folds = sorted(set(fold_of))
    members = {f: [i for i, g in enumerate(fold_of) if g == f] for f in folds}

    @functools.cache  # the stack without folds {f, g} serves judging f and judging g
    def fitted_on(fit_folds: tuple[int, ...]) -> SentenceStack:
        rows = [i for h in fit_folds for i in members[h]]
        return fit_stack(parts, rows, groups=[fold_of[i] for i in rows] if words else None, recipe=recipe)

    def of_fold(judged: int) -> list[DocumentScores]:
        scores = list(served)
        for g in folds:
            fit_folds = tuple(h for h in folds if h not in (judged, g)) or (g,)
            for i, value in apply_stack(served, parts, fitted_on(fit_folds), members[g]).items():
                scores[i] = value
        return scores

    return of_fold
