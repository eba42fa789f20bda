"""Fits the span memory (model.span_memory) of a trained network from its training documents.

Every alphabetic word of the documents is embedded by the network as served (its token states,
the token head's input); the words inside Loaded_Language or Name_Calling gold spans are the
memory's positives, every other word a negative. The memory keeps a seeded sample of each, each
stored word weighted by how many it stands for, so the looked-up shares estimate those of all
the training words. No gradient step: a few minutes on the CPU for the whole corpus.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

import numpy as np
import torch

from framing.model.neural_scorer import NeuralScorer, window_average, word_states
from framing.model.scores import DocumentScores, PreparedText
from framing.model.span_memory import (
    COLUMNS,
    MEMORY_TECHNIQUES,
    SpanMemory,
    alphabetic_words,
    blend_memory,
    candidates,
)
from framing.training.config import TrainConfig
from framing.training.documents import Document
from framing.training.trainer import score_documents

log = logging.getLogger("framing.train")

# Measured on 2.3.0's folds with float32 states (docs/model-experiments.md, sections 6 and 7): a memory of
# 3,000 annotated and 12,000 other words in 64 dimensions ranked as well as the full one (8,400-9,700 +
# 60,000, 384 dimensions) at a twentieth of its size and search; half as many words ranked worse.
POSITIVES = 3000
OTHERS = 12000
DIMENSIONS = 64
PCA_SAMPLE = 5000  # words the principal components are fitted on


def annotated_words(document: Document, prepared: PreparedText) -> np.ndarray:
    """[n_words] whether each word lies inside (overlaps) a gold span of a memory technique."""
    inside = np.zeros(len(prepared.words), dtype=bool)
    for span in document.spans:
        if span.technique in MEMORY_TECHNIQUES:
            inside |= (prepared.words[:, 0] < span.end) & (prepared.words[:, 1] > span.start)
    return inside


@torch.inference_mode()
def embed_words(scorer: NeuralScorer, documents: Sequence[Document]) -> tuple[np.ndarray, np.ndarray]:
    """The states of every alphabetic word of `documents` (fp16, [n, hidden]) and their labels."""
    states: list[np.ndarray] = []
    labels: list[np.ndarray] = []
    for document in documents:
        prepared = PreparedText.from_text(document.text)
        encoded = scorer.encode(prepared)
        if len(encoded.token_ids) == 0:
            continue
        mask = alphabetic_words(prepared)
        output = scorer.forward([encoded])
        assert output.token_states is not None
        tokens = window_average(encoded, output.token_states.float().cpu().numpy())
        states.append(word_states(encoded, tokens, mask).astype(np.float16))
        labels.append(annotated_words(document, prepared)[mask])
    if not states:
        return np.zeros((0, scorer.network.hidden_size), dtype=np.float16), np.zeros(0, dtype=bool)
    return np.concatenate(states), np.concatenate(labels)


def fit_span_memory(scorer: NeuralScorer, documents: Sequence[Document], share: float, floor: float, seed: int,
                    positives: int = POSITIVES, others: int = OTHERS, dimensions: int = DIMENSIONS
                    ) -> SpanMemory | None:
    """The memory of `documents` under the scorer's network; None when they hold no annotated
    loaded word (nothing to remember), with a warning."""
    states, labels = embed_words(scorer, documents)
    n_positive = int(labels.sum())
    if n_positive == 0:
        log.warning("no training word lies inside a %s span: the model is written without a span memory",
                    " or ".join(MEMORY_TECHNIQUES))
        return None
    rng = np.random.default_rng(seed)
    positive, other = np.flatnonzero(labels), np.flatnonzero(~labels)
    keep_positive = np.sort(rng.choice(positive, size=min(positives, len(positive)), replace=False))
    keep_other = np.sort(rng.choice(other, size=min(others, len(other)), replace=False))
    chosen = np.concatenate([keep_positive, keep_other])
    stored = states[chosen].astype(np.float32)
    mean = stored.mean(axis=0)
    sample = stored[rng.choice(len(stored), size=min(PCA_SAMPLE, len(stored)), replace=False)] - mean
    _, _, components = np.linalg.svd(sample, full_matrices=False)
    projection = components[: min(dimensions, len(components))].T.astype(np.float32)
    keys = (stored - mean) @ projection
    keys /= np.linalg.norm(keys, axis=1, keepdims=True) + 1e-6
    weights = np.concatenate([np.full(len(keep_positive), len(positive) / len(keep_positive)),
                              np.full(len(keep_other), len(other) / max(len(keep_other), 1))])
    arrays = {"keys": keys, "labels": labels[chosen].astype(np.float32), "weights": weights.astype(np.float32),
              "mean": mean.astype(np.float32), "projection": projection}
    settings: dict[str, Any] = {"documents": len(documents), "annotated_words": n_positive,
                                "other_words": len(other), "stored_annotated": len(keep_positive),
                                "stored_other": len(keep_other), "dimensions": int(projection.shape[1]),
                                "seed": seed}
    log.info("span memory: %d of %d annotated and %d of %d other words, %d dimensions", len(keep_positive),
             n_positive, len(keep_other), len(other), projection.shape[1])
    return SpanMemory(arrays, share=share, floor=floor, settings=settings)


def memory_for(network: Any, tokenizer: Any, config: TrainConfig, documents: Sequence[Document]
               ) -> SpanMemory | None:
    """The span memory a folder trained with `config` serves, fitted on its training `documents` under
    `network` as served (quantised as it will be); None when the config gives the memory no share."""
    if config.span_memory_share <= 0:
        return None
    log.info("fitting the span memory on %d training documents", len(documents))
    scorer = NeuralScorer(network, tokenizer, config.window_length, config.stride)
    return fit_span_memory(scorer, documents, config.span_memory_share, config.span_memory_floor, config.seed)


def recorded_memory_scores(network: Any, tokenizer: Any, config: TrainConfig, train_docs: Sequence[Document],
                           heldout: Sequence[Document]) -> tuple[SpanMemory, list[DocumentScores]] | None:
    """A fold's memory (fitted on its training documents) and its raw scores of the held-out ones, for
    `framing crossval` to record beside the network's: every alphabetic word looked up, the memory's
    score in the memory techniques' word columns, so the floor and share stay serving settings."""
    memory = memory_for(network, tokenizer, config, train_docs)
    if memory is None:
        return None
    raw = replace(memory, share=1.0, floor=0.0)
    _, scores = score_documents(network, tokenizer, config, heldout, raw)
    return memory, scores


def with_recorded_memory(prepared: Sequence[PreparedText], network: Sequence[DocumentScores],
                         recorded: Sequence[DocumentScores], share: float, floor: float) -> list[DocumentScores]:
    """The network's scores blended as a served memory would blend them, from recorded raw scores."""
    result = []
    for text, scores, raw in zip(prepared, network, recorded, strict=True):
        asked = candidates(text, scores.word_techniques, floor)
        memory_scores = np.where(asked, raw.word_techniques[:, COLUMNS[0]], 0.0).astype(np.float32)
        result.append(replace(scores, word_techniques=blend_memory(scores.word_techniques, memory_scores, share)))
    return result
