"""(Re)fits the sentence-frame model of a model folder: `framing fit-sentence-frames MODEL --data CORPUS`,
and at the end of every command that writes a trained folder (`framing train`, `crossval`, `retrain`,
`calibrate`, `average`), so no folder serves sentence frames from a network it was not fitted on.

It reads the folder's own tokenizer, the static embedding table of its network and (when asked)
its TF-IDF model, so the fitted files serve with exactly the folder they are written into. The
article-level files (weights, thresholds, TF-IDF) are left untouched: article frame decisions and
every article figure stay what they were.
"""

from __future__ import annotations

import dataclasses
import logging
import os
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

from framing.model.folder import ModelFolder
from framing.model.inputs import read_json_lines
from framing.model.layout import WEIGHTS
from framing.model.sentence_frames import SentenceFrameModel, lexical_features
from framing.model.taxonomy import FRAME_INDEX, FRAMES
from framing.training.config import SENTENCE_FRAME_EPOCHS, TrainConfig
from framing.training.documents import AnnotationError, Document
from framing.training.errors import TrainingError
from framing.training.model_card import update_sentence_frames_section
from framing.training.sentence_frames import (
    FOLDS,
    SEED,
    Examples,
    FitSettings,
    bags_of,
    fit_model,
    fit_thresholds,
    out_of_fold,
)

EMBEDDING_KEY = "encoder.embeddings.word_embeddings.weight"

log = logging.getLogger("framing.train")


def saved_embedding_table(folder: ModelFolder) -> np.ndarray:
    """The network's static input embeddings, read from its weights without building the network."""
    from safetensors import safe_open

    with safe_open(str(folder.path / WEIGHTS), "pt") as weights:
        if EMBEDDING_KEY not in set(weights.keys()):
            raise TrainingError(f"{folder.path / WEIGHTS}: no {EMBEDDING_KEY} (not a framing network)")
        return weights.get_tensor(EMBEDDING_KEY).float().numpy()


def read_examples(path: str | os.PathLike[str]) -> list[tuple[str, str]]:
    """(frame, text) per line of a JSONL file of {"id", "frame", "text"} records."""
    examples = []
    try:
        with Path(path).open("rb") as handle:
            lines = list(read_json_lines(handle))
    except OSError as error:
        raise TrainingError(f"{path}: cannot read the sentence examples: {error}") from error
    for line in lines:
        record = line.value
        if record is None:
            raise AnnotationError(str(path), line.number, line.error.message if line.error else "not a JSON object")
        if not isinstance(record.get("text"), str) or not record["text"].strip():
            raise AnnotationError(str(path), line.number, 'expected {"id", "frame", "text"} with a non-empty text')
        if record.get("frame") not in FRAME_INDEX:
            raise AnnotationError(str(path), line.number, f"unknown frame {record.get('frame')!r}")
        examples.append((record["frame"], record["text"]))
    return examples


def fit_sentence_frames(model: str | os.PathLike[str], documents: Sequence[Document],
                        examples: Sequence[tuple[str, str]] = (), settings: FitSettings | None = None,
                        folds: int = FOLDS, seed: int = SEED) -> SentenceFrameModel:
    """Fits, calibrates and saves the sentence-frame model into the folder `model`; returns it.

    Out-of-fold sentence scores over `folds` folds of the framed articles (`seed`) fit the
    thresholds; the saved head is then trained on all of them with those thresholds. The articles
    the model held out (its gate set) are left out, so that they stay unseen by every part of it.
    """
    from transformers import AutoTokenizer

    settings = settings or FitSettings(seed=seed)
    folder = ModelFolder.resolve(model)
    folder.check_hashes()
    heldout = folder.heldout_ids() or set()
    framed = [d for d in documents if d.frames is not None and d.id not in heldout]
    excluded = sum(1 for d in documents if d.frames is not None and d.id in heldout)
    if len(framed) < folds:
        raise TrainingError(f"{len(framed)} article(s) with frames annotated; the sentence-frame model needs at "
                            f"least {folds} (one per fold)")
    tokenizer = AutoTokenizer.from_pretrained(str(folder.path))
    table = saved_embedding_table(folder)
    lexical = folder.tfidf() if settings.lexical else None
    bags = bags_of(framed, tokenizer, lexical)
    supervised = None
    if examples:
        texts = [text for _, text in examples]
        ids = tokenizer(texts, add_special_tokens=False)["input_ids"]
        lexical_rows = None
        if lexical is not None:
            from framing.model.scores import PreparedText

            scored = lexical.score([PreparedText.from_text(text) for text in texts])
            lexical_rows = np.vstack([lexical_features(s.sentence_frames.max(axis=0, keepdims=True)) for s in scored])
        supervised = Examples([np.asarray(i, dtype=np.int64) for i in ids],
                              np.array([FRAME_INDEX[frame] for frame, _ in examples]), lexical_rows)
    scores = out_of_fold(bags, table, settings, folds, seed, supervised)
    calibration = fit_thresholds(scores, bags.targets, settings.max_share, settings.beta)
    fitted = fit_model(bags, table, settings, supervised)
    fitted.thresholds = np.array([c.threshold for c in calibration])
    fitted.settings = fit_record(settings, folds, seed, bags.targets, scores, calibration, len(examples))
    fitted.settings["heldout_excluded"] = excluded
    folder.save_sentence_frames(fitted, list(examples))
    update_sentence_frames_section(folder.path, fitted.settings)
    return fitted


def fit_record(settings: FitSettings, folds: int, seed: int, targets: np.ndarray, scores: list[np.ndarray],
               calibration: list, examples: int) -> dict[str, Any]:
    """What the model card and `sentence_frames.json` say about the fit."""
    passing = [float((s >= np.array([c.threshold for c in calibration])).any(axis=1).mean())
               for s in scores if len(s)]
    return {
        "settings": asdict(settings), "folds": folds, "seed": seed, "articles": len(targets),
        "sentences": int(sum(len(s) for s in scores)), "examples": examples,
        "median_share_of_sentences_with_a_frame": round(float(np.median(passing)) if passing else 0.0, 4),
        "frames": {name: {"threshold": round(c.threshold, 6), "article_fbeta": round(c.article_fbeta, 4),
                          "median_share": round(c.median_share, 4), "positives": c.positives}
                   for name, c in zip(FRAMES, calibration, strict=True)},
    }


@dataclass
class SentenceFramePlan:
    """How a folder about to be written gets its sentence-frame model: with these examples and settings."""

    examples: list[tuple[str, str]]
    settings: FitSettings


def plan_sentence_frames(config: TrainConfig, parent: Path | None = None) -> SentenceFramePlan:
    """The examples and fit settings for a folder trained with `config`, from `parent` (the folder it
    starts from or is rewritten from) where it has them: the config's examples file, else the
    examples the parent's model was fitted with; the parent's fit settings, else the defaults.
    Called before training, so a bad examples file stops a run before its hours of training, and
    before a folder is rewritten in place, whose stored examples would be gone after."""
    examples: list[tuple[str, str]] = []
    settings = FitSettings(epochs=SENTENCE_FRAME_EPOCHS, seed=config.seed)
    if not config.sentence_frames:  # nothing will be fitted: an examples file named beside it is not read
        return SentenceFramePlan(examples, settings)
    if config.sentence_frame_examples:
        examples = read_examples(config.sentence_frame_examples)
    folder = ModelFolder(parent) if parent is not None else None
    if folder is not None and folder.has_sentence_frames():
        stored = folder.sentence_frame_examples()
        if not config.sentence_frame_examples and stored is not None:
            examples = read_examples(stored)
        model = folder.sentence_frames()
        recorded = (model.settings or {}).get("settings") if model is not None else None
        if isinstance(recorded, dict):
            known = {field.name for field in dataclasses.fields(FitSettings)}
            settings = FitSettings(**{key: value for key, value in recorded.items() if key in known})
    return SentenceFramePlan(examples, settings)


def fit_beside(output: Path, documents: Sequence[Document], config: TrainConfig,
               plan: SentenceFramePlan) -> SentenceFrameModel | None:
    """Fit the sentence-frame model into a freshly written folder (`config.sentence_frames`); skipped,
    with a warning, when fewer training articles carry frames than the fit has folds."""
    if not config.sentence_frames:
        return None
    heldout = ModelFolder(output).heldout_ids() or set()
    framed = sum(1 for d in documents if d.frames is not None and d.id not in heldout)
    if framed < FOLDS:
        log.warning("%d training article(s) with frames, fewer than the %d the sentence-frame model needs: %s is "
                    "written without it (sentence frames come from the network's frame head)", framed, FOLDS, output)
        return None
    log.info("fitting the sentence-frame model on %d articles with frames and %d examples", framed,
             len(plan.examples))
    return fit_sentence_frames(output, documents, plan.examples, plan.settings, folds=FOLDS,
                               seed=plan.settings.seed)
