"""Fits the sentence-frame model (`model.sentence_frames`) of a model folder from article frame labels.

The corpus has frames per article only. Each article is a bag of sentences: the head scores every
sentence from its own features, the sentence logits are pooled over the article with a smooth
maximum (log-sum-exp, as the network's frame head), and the pooled logit is trained against the
article's gold frames (multiple-instance learning). A frame an article carries must then come from
a few sentences that score high for it, and an article without it must have no such sentence.

Thresholds need no sentence gold: out-of-fold sentence scores (k-fold over the annotated articles)
give, per frame, the threshold at which "some sentence of the article passes" best predicts the
article's gold frame (F1 over articles), among thresholds where the passing sentences are few in a
positive article (median share at most `max_share`). The final head is trained on all articles.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import torch
from scipy.special import expit

from framing.model.network import pool_frames
from framing.model.scores import PreparedText
from framing.model.sentence_frames import (
    SentenceFrameModel,
    embed_sentences,
    lexical_features,
    sentence_token_ids,
)
from framing.model.taxonomy import FRAME_INDEX, FRAMES
from framing.training.documents import Document

SIF_A = 1e-3
FOLDS, SEED = 5, 13


@dataclass
class Bags:
    """Per framed article: its sentence token ids, and its gold frames as a 0/1 row."""

    tokens: list[list[np.ndarray]]
    targets: np.ndarray  # [articles, frames]
    lexical: list[np.ndarray] | None = None  # TF-IDF frame logits per sentence


@dataclass
class Examples:
    """Team-written sentences that each plainly carry one frame: direct sentence supervision."""

    tokens: list[np.ndarray]
    frames: np.ndarray  # [sentences] frame index
    lexical: np.ndarray | None = None  # [sentences, frames] TF-IDF frame logits


@dataclass
class FitSettings:
    hidden: int = 64
    epochs: int = 30
    sharpness: float = 4.0
    learning_rate: float = 3e-3
    weight_decay: float = 1e-4
    dropout: float = 0.2
    max_share: float = 0.5
    beta: float = 2.0
    lexical: bool = False
    example_weight: float = 1.0
    seed: int = SEED


def bags_of(documents: Sequence[Document], tokenizer, lexical_scorer=None) -> Bags:
    framed = [d for d in documents if d.frames is not None]
    prepared = [PreparedText.from_text(d.text) for d in framed]
    targets = np.zeros((len(framed), len(FRAMES)), dtype=np.float32)
    for i, document in enumerate(framed):
        for frame in document.frames or []:
            targets[i, FRAME_INDEX[frame]] = 1.0
    lexical = None
    if lexical_scorer is not None:
        lexical = [lexical_features(s.sentence_frames) for s in lexical_scorer.score(prepared)]
    return Bags([sentence_token_ids(p, tokenizer) for p in prepared], targets, lexical)


def token_weights(token_ids: Iterable[np.ndarray], vocabulary: int, a: float = SIF_A) -> np.ndarray:
    """SIF weight a / (a + p(token)), p the token's frequency (add-one counts) in the given word pieces
    of the training articles (per sentence or per article: the counts are the same)."""
    counts = np.ones(vocabulary, dtype=np.float64)
    for ids in token_ids:
        np.add.at(counts, ids, 1.0)
    return (a / (a + counts / counts.sum())).astype(np.float32)


def common_component(features: np.ndarray, dim: int) -> np.ndarray:
    """First principal direction of the SIF means (what all sentences share), removed from each."""
    sif = features[:, dim:2 * dim].astype(np.float64)
    _, _, vt = np.linalg.svd(sif, full_matrices=False)
    return vt[0].astype(np.float32)


def features_of(bags: Bags, table: np.ndarray, weight: np.ndarray, common: np.ndarray) -> list[np.ndarray]:
    out = [embed_sentences(article, table, weight, common) for article in bags.tokens]
    if bags.lexical is not None:
        out = [np.hstack([f, x]) for f, x in zip(out, bags.lexical, strict=True)]
    return out


class Head(torch.nn.Module):
    def __init__(self, width: int, hidden: int, dropout: float) -> None:
        super().__init__()
        self.hidden = torch.nn.Linear(width, hidden) if hidden else None
        self.dropout = torch.nn.Dropout(dropout)
        self.output = torch.nn.Linear(hidden or width, len(FRAMES))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.hidden is not None:
            x = torch.relu(self.hidden(self.dropout(x)))
        return self.output(self.dropout(x))


def train_head(features: list[np.ndarray], targets: np.ndarray, settings: FitSettings,
               mean: np.ndarray, scale: np.ndarray, examples: tuple[np.ndarray, np.ndarray] | None = None) -> Head:
    """MIL: eight bags (articles) per step in shuffled order, BCE on the pooled logits; plus, with
    `examples` (features, frame index), BCE of each example's sentence logits against its frame."""
    torch.manual_seed(settings.seed)
    rng = np.random.default_rng(settings.seed)
    bags = [torch.from_numpy((f - mean) / scale).float() for f in features]
    keep = [i for i, b in enumerate(bags) if len(b)]
    head = Head(bags[keep[0]].shape[1] if keep else 1, settings.hidden, settings.dropout)
    if not keep:
        return head
    y = torch.from_numpy(targets).float()
    positives = y[keep].sum(0)
    pos_weight = torch.sqrt((len(keep) - positives).clamp(min=1) / positives.clamp(min=1)).clamp(max=10.0)
    loss_fn = torch.nn.BCEWithLogitsLoss(pos_weight=pos_weight)
    optimizer = torch.optim.AdamW(head.parameters(), lr=settings.learning_rate, weight_decay=settings.weight_decay)
    if examples is not None and len(examples[1]):
        example_x = torch.from_numpy((examples[0] - mean) / scale).float()
        example_y = torch.nn.functional.one_hot(torch.from_numpy(examples[1]).long(), len(FRAMES)).float()
    else:
        example_x = None
    head.train()
    batch = 8
    for _ in range(settings.epochs):
        order = rng.permutation(keep)
        for start in range(0, len(order), batch):
            chosen = order[start:start + batch]
            pooled = torch.stack([pool_frames(head(bags[i]), settings.sharpness) for i in chosen])
            loss = loss_fn(pooled, y[chosen])
            if example_x is not None:
                loss = loss + settings.example_weight * torch.nn.functional.binary_cross_entropy_with_logits(
                    head(example_x), example_y)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
    return head.eval()


def to_arrays(head: Head, weight: np.ndarray, common: np.ndarray, mean: np.ndarray,
              scale: np.ndarray) -> dict[str, np.ndarray]:
    def array(t: torch.Tensor) -> np.ndarray:
        return t.detach().cpu().numpy().astype(np.float32)

    empty = np.zeros((0,), dtype=np.float32)
    return {"token_weight": weight, "common": common, "feature_mean": mean.astype(np.float32),
            "feature_scale": scale.astype(np.float32),
            "hidden.weight": array(head.hidden.weight) if head.hidden is not None else empty,
            "hidden.bias": array(head.hidden.bias) if head.hidden is not None else empty,
            "output.weight": array(head.output.weight), "output.bias": array(head.output.bias)}


def example_features(examples: Examples, table: np.ndarray, weight: np.ndarray, common: np.ndarray) -> np.ndarray:
    features = embed_sentences(examples.tokens, table, weight, common)
    return features if examples.lexical is None else np.hstack([features, examples.lexical])


def fit_model(bags: Bags, table: np.ndarray, settings: FitSettings,
              examples: Examples | None = None) -> SentenceFrameModel:
    """A head trained on all of `bags` (thresholds 0.5 until calibrated)."""
    weight = token_weights((ids for article in bags.tokens for ids in article), table.shape[0])
    dim = table.shape[1]
    raw = features_of(bags, table, weight, np.zeros(dim, dtype=np.float32))
    stacked = np.vstack([f for f in raw if len(f)]) if any(len(f) for f in raw) else np.zeros((1, 2 * dim))
    common = common_component(stacked, dim) if len(stacked) > 1 else np.zeros(dim, dtype=np.float32)
    features = features_of(bags, table, weight, common)
    stacked = np.vstack([f for f in features if len(f)]) if any(len(f) for f in features) else stacked
    mean, scale = stacked.mean(0), stacked.std(0) + 1e-6
    supervised = None if examples is None else (example_features(examples, table, weight, common), examples.frames)
    head = train_head(features, bags.targets, settings, mean, scale, supervised)
    return SentenceFrameModel(to_arrays(head, weight, common, mean, scale), np.full(len(FRAMES), 0.5),
                              lexical=settings.lexical)


def subset(bags: Bags, index: np.ndarray) -> Bags:
    return Bags([bags.tokens[i] for i in index], bags.targets[index],
                None if bags.lexical is None else [bags.lexical[i] for i in index])


def fold_of(n: int, folds: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return rng.permutation(np.arange(n) % folds)


def out_of_fold(bags: Bags, table: np.ndarray, settings: FitSettings, folds: int = FOLDS,
                seed: int = SEED, examples: Examples | None = None) -> list[np.ndarray]:
    """Sentence probabilities of every article from a head trained on the other folds."""
    n = len(bags.tokens)
    assignment = fold_of(n, folds, seed)
    result: list[np.ndarray] = [np.zeros((0, len(FRAMES)))] * n
    for fold in range(folds):
        test = np.flatnonzero(assignment == fold)
        train = np.flatnonzero(assignment != fold)
        if len(test) == 0 or len(train) == 0:
            continue
        model = fit_model(subset(bags, train), table, settings, examples)
        held = subset(bags, test)
        features = features_of(held, table, model.arrays["token_weight"], model.arrays["common"])
        for i, f in zip(test.tolist(), features, strict=True):
            result[i] = expit(model.logits(f)) if len(f) else np.zeros((0, len(FRAMES)))
    return result


@dataclass
class FrameCalibration:
    threshold: float
    article_fbeta: float  # F-beta over articles, beta as fitted (FitSettings.beta)
    median_share: float  # median share of passing sentences in the positive articles that pass
    positives: int


def fit_thresholds(scores: list[np.ndarray], targets: np.ndarray, max_share: float,
                   beta: float = 1.0) -> list[FrameCalibration]:
    """Per frame: the threshold at which "some sentence passes" best predicts the article's frame
    (F-beta over articles; beta > 1 weighs missing a framed article more than a false one)."""
    result = []
    for f in range(len(FRAMES)):
        gold = targets[:, f] > 0
        columns = [s[:, f] if len(s) else np.zeros(1) for s in scores]
        tops = np.array([c.max() for c in columns])
        candidates = np.unique(np.concatenate([np.quantile(np.concatenate(columns), np.linspace(0.5, 0.999, 120)),
                                               tops]))
        best = FrameCalibration(float(candidates[-1]) if len(candidates) else 0.5, 0.0, 0.0, int(gold.sum()))
        best_key: tuple[float, float] = (-1.0, 0.0)
        for t in candidates:
            predicted = tops >= t
            tp = float((predicted & gold).sum())
            b2 = beta * beta
            f1 = (1 + b2) * tp / max(predicted.sum() + b2 * gold.sum(), 1)
            shares = [float((c >= t).mean()) for c, g, p in zip(columns, gold, predicted, strict=True) if g and p]
            share = float(np.median(shares)) if shares else 0.0
            if share > max_share:
                continue
            key = (round(f1, 6), float(t))  # ties: the higher threshold, fewer sentences
            if key > best_key:
                best_key = key
                best = FrameCalibration(float(t), f1, share, int(gold.sum()))
        best.threshold = float(np.clip(best.threshold, 1e-4, 1 - 1e-4))
        result.append(best)
    return result
