"""Knowledge distillation: a trained teacher model's probabilities blended into the training targets.

A larger encoder (all-mpnet-base-v2) reads the articles better than MiniLM but is too slow and too
big to serve. Its probabilities carry what the gold labels do not: how likely a neighbouring word
or sentence was to be annotated too, and which labels go together. The student learns from
`(1 - weight) * gold + weight * teacher` for tokens, sentences and frames alike.

The teacher scores whole articles through the same `NeuralScorer` the service uses, so its word
and sentence probabilities line up with the student's own words and sentences whatever either's
tokenizer; each token of the student takes the probability of the word it lies in.

The teacher was trained with positive class weights, which lift its probabilities of rare labels
(weighted BCE is minimised by p = wq / (wq + 1 - q), not by the true rate q). The student is trained
with the same weights, so blending the teacher's raw p would lift rare labels twice: the teacher's
probabilities are first brought back to q = p / (w(1 - p) + p).
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import torch

from framing.model.files import atomic_writer
from framing.model.folder import ModelFolder
from framing.model.layout import WEIGHTS
from framing.model.neural_scorer import NeuralScorer
from framing.model.scores import DocumentScores
from framing.training.dataset import Example

log = logging.getLogger("framing.train")
CACHE = "teacher_scores.pt"


def _fingerprint(teacher: Path, examples: Sequence[Example]) -> str:
    """Changes when the teacher's weights or the articles do, so a stale cache is never reused."""
    digest = hashlib.sha256((Path(teacher) / WEIGHTS).read_bytes())
    for example in examples:
        digest.update(example.document.id.encode("utf-8"))
        digest.update(example.document.text.encode("utf-8"))
    return digest.hexdigest()


def teacher_scores(teacher: Path, examples: Sequence[Example], cache_dir: Path) -> list[DocumentScores]:
    """The teacher's float-network scores of every training article, cached in the work folder
    (scoring with a large teacher takes minutes; a resumed run should not pay it twice)."""
    ModelFolder(teacher).require_files()  # before the fingerprint reads its weights
    cache = cache_dir / CACHE
    fingerprint = _fingerprint(teacher, examples)
    if cache.is_file():
        stored = torch.load(cache, weights_only=False)
        if stored.get("fingerprint") == fingerprint:
            return stored["scores"]
    network, tokenizer, manifest, _ = ModelFolder(teacher).load_network(trainable=True)
    scorer = NeuralScorer(network, tokenizer, manifest.window_length, manifest.stride)
    log.info("scoring %d training articles with the teacher %s", len(examples), teacher)
    scores = scorer.score([example.prepared for example in examples])
    with atomic_writer(cache) as handle:
        torch.save({"fingerprint": fingerprint, "scores": scores}, handle)
    return scores


@dataclass(frozen=True)
class ClassWeights:
    """The positive weights of the token, sentence and frame losses, one per label."""

    token: np.ndarray
    sentence: np.ndarray
    frame: np.ndarray


def unweighted(probability: np.ndarray, positive_weight: np.ndarray) -> np.ndarray:
    """The label rate q that a model trained with positive weight w reports as p = wq / (wq + 1 - q)."""
    return probability / (positive_weight * (1.0 - probability) + probability)


def blend(example: Example, teacher: DocumentScores, weight: float,
          class_weights: ClassWeights | None = None) -> Example:
    """The example with targets moved `weight` of the way to the teacher's (unweighted) probabilities."""
    if len(teacher.sentence_techniques) != len(example.sentence_labels):
        raise ValueError(f"teacher and student split article {example.document.id} into different sentences")
    words, sentences, frames = teacher.word_techniques, teacher.sentence_techniques, teacher.article_frames
    if class_weights is not None:
        words = unweighted(words, class_weights.token)
        sentences = unweighted(sentences, class_weights.sentence)
        frames = unweighted(frames, class_weights.frame)
    token_labels = example.token_labels.copy()
    in_word = example.encoded.token_word >= 0
    token_labels[in_word] = ((1 - weight) * token_labels[in_word]
                             + weight * words[example.encoded.token_word[in_word]])
    sentence_labels = (1 - weight) * example.sentence_labels + weight * sentences
    frame_labels = example.frame_labels
    if frame_labels is not None:
        frame_labels = (1 - weight) * frame_labels + weight * frames
    return replace(example, token_labels=token_labels.astype(np.float32),
                   sentence_labels=sentence_labels.astype(np.float32),
                   frame_labels=None if frame_labels is None else frame_labels.astype(np.float32))


def distil(examples: Sequence[Example], teacher: Path, weight: float, cache_dir: Path,
           class_weights: ClassWeights | None = None) -> list[Example]:
    """`class_weights`: the positive weights the teacher was trained with (the student's own are the
    best estimate: same articles, same cap)."""
    scores = teacher_scores(teacher, examples, cache_dir)
    return [blend(example, score, weight, class_weights) for example, score in zip(examples, scores, strict=True)]
