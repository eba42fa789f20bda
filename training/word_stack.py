"""Fitting the word stack (model.word_stack) on out-of-fold scores.

Like the sentence stack it must see the parts' scores on articles they never trained on, and its
lexical prior must not count the words it is fitted to predict: a training word's prior comes from
the articles of the other folds only (with a single fold, the other half of the articles), and the
served lexicon counts every article the stack was fitted on. `training.sentence_stack` nests it
with the sentence stack, so each fold is judged by a word stack whose lexicon never saw it.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field, replace

import numpy as np
from sklearn.linear_model import LogisticRegression

from framing.model.scores import DocumentScores, PreparedText
from framing.model.sentence_stack import SentenceStack
from framing.model.word_stack import STACKED, Lexicon, WordStack, feature_names, features, words_of
from framing.training.documents import Document

# Inverse regularisation: ten weights fitted on hundreds of thousands of words.
WORD_STACK_C = 1.0
# Marked words a technique needs before its word scores are stacked.
MIN_MARKED = 20


@dataclass(frozen=True)
class WordStackRecipe:
    """How the word stack is fitted: its optional feature groups (model.word_stack.GROUPS), the
    auxiliary lexicons the "auxiliary" group reads (kind -> lexicon, counted on corpora the network
    never trains on), and whether the regression weighs the classes evenly (marked words are 2% of
    all: an even fit moves where span thresholds land; docs/model-experiments.md, sections 13, 15)."""

    groups: tuple[str, ...] = ()
    auxiliary: Mapping[str, Lexicon] = field(default_factory=dict)
    balanced: bool = False


def lexicon_only(documents: Sequence[Document], formats: Collection[str]) -> tuple[list[Document], list[Document]]:
    """(what a run trains and judges, the documents of the lexicon-only `formats`): the latter are only
    counted into the word stack's auxiliary lexicons, and kept out of training and the fold plan, so
    a run resumes whether or not they are given."""
    return [d for d in documents if d.kind not in formats], [d for d in documents if d.kind in formats]


def auxiliary_lexicons(documents: Sequence[Document]) -> dict[str, Lexicon]:
    """One lexicon per kind of `documents` (e.g. babe, semeval2021), in sorted order of kinds."""
    prepared = [(document, PreparedText.from_text(document.text)) for document in documents]
    return {kind: Lexicon.count((words_of(p), word_labels(d, p)) for d, p in prepared if d.kind == kind)
            for kind in sorted({d.kind for d in documents})}


def word_labels(document: Document, prepared: PreparedText) -> np.ndarray:
    """[words, len(STACKED)]: whether a gold span of each stacked technique overlaps the word."""
    gold = np.zeros((len(prepared.words), len(STACKED)), dtype=bool)
    if not len(prepared.words):
        return gold
    for span in document.spans:
        if span.technique in STACKED:
            inside = (prepared.words[:, 0] < span.end) & (prepared.words[:, 1] > span.start)
            gold[inside, STACKED.index(span.technique)] = True
    return gold


def with_fresh_words(stack: SentenceStack, documents: Sequence[Document]) -> SentenceStack:
    """`stack` with its word stack's lexicon grown by the words of `documents`, a descendant's fresh
    training annotations, so that a word annotators newly marked (or left unmarked) gets the prior
    their marks say. Without it a correction round reached a word it taught only through the
    network's moved scores, its prior staying the ancestor's (the base rate for a word the corpus
    never had). The weights stay: there are no out-of-fold scores to refit them."""
    if stack.words is None or not documents:
        return stack
    prepared = [(document, PreparedText.from_text(document.text)) for document in documents]
    fresh = Lexicon.count(((words_of(p), word_labels(d, p)) for d, p in prepared), keep_rare=True)
    return replace(stack, words=replace(stack.words, lexicon=stack.words.lexicon.merged(fresh)))


def fit_word_stack(prepared: Sequence[PreparedText], network: Sequence[DocumentScores],
                   tfidf: Sequence[DocumentScores], labels: Sequence[np.ndarray], rows: Sequence[int],
                   groups: Sequence[int], recipe: WordStackRecipe | None = None) -> WordStack | None:
    """The word stack fitted on articles `rows` (`groups`: their folds), for each stacked technique
    with MIN_MARKED marked (and unmarked) words among them; None when neither has."""
    recipe = recipe or WordStackRecipe()
    auxiliary = recipe.auxiliary if "auxiliary" in recipe.groups else {}
    kept = [(i, g) for i, g in zip(rows, groups, strict=True) if len(prepared[i].words)]
    if not kept:
        return None
    rows = [i for i, _ in kept]
    by_row = (dict(kept) if len({g for _, g in kept}) > 1 else {i: k % 2 for k, i in enumerate(rows)})
    words = {i: words_of(prepared[i]) for i in rows}
    x, y = [], []
    for group in sorted(set(by_row.values())):
        lexicon = Lexicon.count((words[i], labels[i]) for i in rows if by_row[i] != group)
        for i in rows:
            if by_row[i] == group:
                x.append(features(prepared[i], words[i], network[i], tfidf[i], lexicon, recipe.groups, auxiliary))
                y.append(labels[i])
    design, gold = np.concatenate(x), np.concatenate(y)
    fitted = (gold.sum(axis=0) >= MIN_MARKED) & ((~gold).sum(axis=0) >= MIN_MARKED)
    if not fitted.any():
        return None
    weights = np.zeros((len(STACKED), len(feature_names(recipe.groups, list(auxiliary)))))
    bias = np.zeros(len(STACKED))
    for t in np.flatnonzero(fitted):
        regression = LogisticRegression(C=WORD_STACK_C, max_iter=3000,
                                        class_weight="balanced" if recipe.balanced else None).fit(design, gold[:, t])
        weights[t], bias[t] = regression.coef_[0], regression.intercept_[0]
    return WordStack(weights, bias, fitted, Lexicon.count((words[i], labels[i]) for i in rows), recipe.groups,
                     dict(auxiliary))
