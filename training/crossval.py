"""`crossval`: k-fold cross-validation over every annotated article, then a model trained on all.

`framing train` holds a fifth of the articles out and ships a model that never learnt from them.
Here k fold models (each trained on k-1 folds with `train`'s machinery) score the fold they did
not see; thresholds and figures come from those out-of-fold scores (`training.fold_figures`), and
the shipped model is trained on all articles outside the gate set, for as many steps as a fold
model, and served with the thresholds fitted on all out-of-fold scores.

A run takes hours on CPU, so everything lands in the run folder as it finishes: the plan, each
fold's model and out-of-fold scores (a rerun skips finished folds; a killed fold resumes from its
checkpoint, as `train` does), the cross-validated figures, and the final model's checkpoint, then
its trained network. The trainings are independent `parts` (`crossval_part`): processes sharing the
run folder, on one GPU or several machines, may run them at once, and a plain run afterwards finds
them done and only fits thresholds and packages the model.
"""

from __future__ import annotations

import json
import logging
import math
import shutil
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import numpy as np
import torch

from framing.model.article_frames import ArticleFrameModel, blend_article_frames
from framing.model.embedding_regression import EmbeddingRegression, embedding_table
from framing.model.ensemble import combine
from framing.model.files import write_atomic
from framing.model.folder import ModelFolder
from framing.model.layout import SENSITIVE_THRESHOLDS, SENTENCE_STACK
from framing.model.quantization import quantize
from framing.model.schema import ModelInfo
from framing.model.scores import DocumentScores, PreparedText
from framing.model.sentence_stack import SentenceStack, stacked
from framing.model.sentence_techniques import SentenceTechniqueModel, blend_sentence_techniques
from framing.model.span_memory import SpanMemory
from framing.model.tfidf import BaselineScorer
from framing.model.thresholds import Thresholds
from framing.model.word_stack import GROUPS
from framing.training.article_frames import fit_article_frames
from framing.training.calibrate import calibrate, sensitive_thresholds
from framing.training.config import REFERENCE_SETTINGS, TrainConfig
from framing.training.documents import Document
from framing.training.errors import TrainingError
from framing.training.evaluate import score_analyses, write_report
from framing.training.fold_figures import cross_validated, protocol_text, spread_table, summary_table
from framing.training.fold_plan import SCORES, FoldPlan, load_scores, save_scores
from framing.training.model_card import write_model_card
from framing.training.reports import (
    CrossValidation,
    FoldFigures,
    Split,
    Summary,
    TrainingMetrics,
    load_reports,
    reports_json,
)
from framing.training.sentence_frame_fit import fit_beside, plan_sentence_frames
from framing.training.sentence_stack import StackParts, apply_stack, fit_stack, nested_scores
from framing.training.sentence_techniques import fit_sentence_techniques
from framing.training.span_memory_fit import memory_for, recorded_memory_scores, with_recorded_memory
from framing.training.split import data_record
from framing.training.train import initial_network, seed_everything
from framing.training.trainer import Trainer, score_documents
from framing.training.word_stack import WordStackRecipe, auxiliary_lexicons, lexicon_only

log = logging.getLogger("framing.train")
FIGURES = "figures"  # run folder: cross-validated reports, fold figures and thresholds, once computed
FINAL_WORK = "final.work"
MODEL = "model"
# A fold's scores with the network's article frames replaced by the article-frame model's (model.article_frames).
ARTICLE_FRAMES = "article_frames"
# A fold's scores with the network's sentence techniques replaced by the sentence-technique model's
# (model.sentence_techniques).
SENTENCE_TECHNIQUES = "sentence_techniques"
# A fold's raw span-memory scores of its out-of-fold articles (model.span_memory; `with_recorded_memory`).
SPAN_MEMORY = "span_memory"


RegressionT = TypeVar("RegressionT", bound=EmbeddingRegression)


def fold_dir(run_dir: Path, fold: int) -> Path:
    return run_dir / f"fold-{fold + 1}"


def fold_steps(config: TrainConfig, n_train: int) -> int:
    """Optimizer steps of a model trained on `n_train` articles (`Trainer.total`'s rule)."""
    return config.max_steps or math.ceil(config.epochs * n_train)


def run_fold(plan: FoldPlan, fold: int, documents: Sequence[Document], run_dir: Path, config: TrainConfig) -> None:
    """Train fold model `fold`, save it and its out-of-fold scores; a finished fold is skipped."""
    directory = fold_dir(run_dir, fold)
    if (directory / SCORES).is_file():
        log.info("fold %d of %d finished earlier: skipped", fold + 1, plan.k)
        return
    train_docs, heldout = plan.split(documents, fold)
    log.info("fold %d of %d: %d training articles, %d out of fold", fold + 1, plan.k, len(train_docs), len(heldout))
    seed_everything(config.seed + fold)
    network, tokenizer, encoder = initial_network(config, None)
    work = directory / "work"
    history = Trainer.for_documents(network, tokenizer, config, train_docs, heldout, work).fit()
    started = time.time()
    served_network = quantize(network.eval(), config.quantization)
    prepared, network_scores = score_documents(served_network, tokenizer, config, heldout)
    systems = {"network": network_scores}
    memory = None
    recorded = recorded_memory_scores(served_network, tokenizer, config, train_docs, heldout)
    if recorded is not None:
        memory, systems[SPAN_MEMORY] = recorded
    baseline = BaselineScorer().fit(train_docs) if config.fits_tfidf() else None
    if baseline is not None:
        systems["baseline"] = baseline.score(prepared)
    table = embedding_table(network) if config.fits_embedding_models() else None
    article_model = None
    if config.article_frame_weight > 0 and table is not None:
        article_model, systems[ARTICLE_FRAMES] = _article_frame_scores(table, tokenizer, train_docs, prepared,
                                                                       network_scores)
    sentence_model = None
    if config.sentence_technique_weight > 0 and table is not None:
        sentence_model, systems[SENTENCE_TECHNIQUES] = _sentence_technique_scores(table, tokenizer, train_docs,
                                                                                  prepared, network_scores)
    own = [s.article_frames for s in systems[ARTICLE_FRAMES]] if ARTICLE_FRAMES in systems else None
    own_sentences = ([s.sentence_techniques for s in systems[SENTENCE_TECHNIQUES]]
                     if SENTENCE_TECHNIQUES in systems else None)
    served, served_scores = serve(config, prepared, network_scores, systems.get("baseline"), own,
                                  systems.get(SPAN_MEMORY), own_sentences)
    # Loadable for a look, with thresholds fitted on its own out-of-fold articles: no figure uses them.
    folder = ModelFolder(directory / MODEL)
    own_thresholds = calibrate(heldout, prepared, served_scores, span_growth=config.span_growth())
    manifest = config.manifest(encoder, served, history, article_frames=article_model is not None,
                               sentence_techniques=sentence_model is not None)
    folder.save(network, tokenizer, manifest, own_thresholds, tfidf=baseline if served == "ensemble" else None,
                article_frames=article_model, span_memory=memory, sentence_techniques=sentence_model)
    folder.save_data_record(data_record(train_docs + heldout, [], heldout))
    save_scores(directory / SCORES, [d.id for d in heldout], systems)  # marks the fold finished
    shutil.rmtree(work, ignore_errors=True)  # the checkpoint (optimizer state) is no longer needed
    log.info("fold %d of %d finished: out-of-fold scores and fold model saved (%.0f s after training)",
             fold + 1, plan.k, time.time() - started)


def serve(config: TrainConfig, prepared: Sequence[PreparedText], network: Sequence[DocumentScores],
          baseline: Sequence[DocumentScores] | None, article_frames: Sequence[np.ndarray] | None,
          memory: Sequence[DocumentScores] | None = None,
          sentence_techniques: Sequence[np.ndarray] | None = None,
          stack: SentenceStack | None = None) -> tuple[str, list[DocumentScores]]:
    """What the folder serves ("ensemble" or "network") and its scores, from its parts' scores: the
    network's, the TF-IDF model's, the article-frame model's frame scores, the span memory's raw
    scores and the sentence-technique model's sentence scores, when there, and the `stack` of the
    sentence scores when the folder has one."""
    scores = list(network)
    if memory is not None and config.span_memory_share > 0:
        scores = with_recorded_memory(prepared, scores, memory, config.span_memory_share, config.span_memory_floor)
    served = "network"
    if baseline is not None and config.lexical_shares().used:
        served, scores = "ensemble", combine(scores, list(baseline), config.lexical_shares())
    if article_frames is not None and config.article_frame_weight > 0:
        scores = blend_article_frames(scores, list(article_frames), config.article_frame_weight)
    if sentence_techniques is not None and config.sentence_technique_weight > 0:
        scores = blend_sentence_techniques(scores, list(sentence_techniques), config.sentence_technique_weight)
        if stack is not None and baseline is not None:
            scores = stacked(list(prepared), scores, list(network), list(baseline), list(sentence_techniques), stack)
    return served, scores


def _fold_regression(fit: Callable[..., RegressionT | None], blend: Callable[..., list[DocumentScores]],
                     refusal: str, table: np.ndarray, tokenizer: Any, train_docs: Sequence[Document],
                     prepared: Sequence[PreparedText], network_scores: Sequence[DocumentScores]
                     ) -> tuple[RegressionT, list[DocumentScores]]:
    """An embedding regression fitted (`fit`) on a fold's training documents with its network's
    embeddings (`table`), and its system for the out-of-fold articles: the network's scores with the
    model's in its field (`blend` at 1.0). `refusal` says why nothing could be fitted."""
    model = fit(train_docs, tokenizer, table)
    if model is None:
        raise TrainingError(refusal)
    return model, blend(list(network_scores), model.score(list(prepared), tokenizer, table), 1.0)


def _article_frame_scores(table: np.ndarray, tokenizer: Any, train_docs: Sequence[Document],
                          prepared: Sequence[PreparedText], network_scores: Sequence[DocumentScores]
                          ) -> tuple[ArticleFrameModel, list[DocumentScores]]:
    """The article-frame model of a fold and the `ARTICLE_FRAMES` system of its out-of-fold articles."""
    return _fold_regression(fit_article_frames, blend_article_frames,
                            "the article-frame model needs articles with frame labels; set "
                            "\"article_frame_weight\": 0 for data without frames",
                            table, tokenizer, train_docs, prepared, network_scores)


def _sentence_technique_scores(table: np.ndarray, tokenizer: Any, train_docs: Sequence[Document],
                               prepared: Sequence[PreparedText], network_scores: Sequence[DocumentScores]
                               ) -> tuple[SentenceTechniqueModel, list[DocumentScores]]:
    """The sentence-technique model of a fold and the `SENTENCE_TECHNIQUES` system of its out-of-fold articles."""
    return _fold_regression(fit_sentence_techniques, blend_sentence_techniques,
                            "the sentence-technique model needs training sentences; set "
                            "\"sentence_technique_weight\": 0",
                            table, tokenizer, train_docs, prepared, network_scores)


def _backfill(plan: FoldPlan, fold: int, documents: Sequence[Document], run_dir: Path, system: str,
              what: str, compute: Callable[..., list[DocumentScores]]) -> None:
    """Adds `system` to a fold finished without it, computed by `compute(network, tokenizer, train_docs,
    heldout, prepared, systems)` from its saved fold model, so a run trained before that part existed (or
    without a share for it) can be packaged with one."""
    path = fold_dir(run_dir, fold) / SCORES
    saved = load_scores(path)
    if system in saved:
        return
    folder = ModelFolder(fold_dir(run_dir, fold) / MODEL)
    if not folder.path.is_dir():
        raise TrainingError(f"{folder.path} is missing: fold {fold + 1} cannot be given {what} scores; "
                            "remove its scores to train it again")
    log.info("fold %d: fitting the %s with the fold's network", fold + 1, what)
    network, tokenizer, _, _ = folder.load_network()
    train_docs, heldout = plan.split(documents, fold)
    prepared = [PreparedText.from_text(d.text) for d in heldout]
    systems = {name: [by_id[d.id] for d in heldout] for name, by_id in saved.items()}
    systems[system] = compute(network, tokenizer, train_docs, heldout, prepared, systems)
    save_scores(path, [d.id for d in heldout], systems)


def _backfill_parts(plan: FoldPlan, fold: int, documents: Sequence[Document], run_dir: Path,
                    config: TrainConfig) -> None:
    """The article-frame, sentence-technique and span-memory scores of a fold, where its config gives
    them a share."""
    if config.article_frame_weight > 0:
        def article_frames(network, tokenizer, train_docs, heldout, prepared, systems) -> list[DocumentScores]:
            return _article_frame_scores(embedding_table(network), tokenizer, train_docs, prepared,
                                         systems["network"])[1]

        _backfill(plan, fold, documents, run_dir, ARTICLE_FRAMES, "article-frame model", article_frames)
    if config.sentence_technique_weight > 0:
        def sentence_techniques(network, tokenizer, train_docs, heldout, prepared, systems) -> list[DocumentScores]:
            return _sentence_technique_scores(embedding_table(network), tokenizer, train_docs, prepared,
                                              systems["network"])[1]

        _backfill(plan, fold, documents, run_dir, SENTENCE_TECHNIQUES, "sentence-technique model",
                  sentence_techniques)
    if config.span_memory_share > 0:
        def span_memory(network, tokenizer, train_docs, heldout, prepared, systems) -> list[DocumentScores]:
            recorded = recorded_memory_scores(network, tokenizer, config, train_docs, heldout)
            if recorded is None:
                raise TrainingError(f"fold {fold + 1}: its training documents hold no Loaded_Language or "
                                    "Name_Calling span to remember; set \"span_memory_share\": 0")
            return recorded[1]

        _backfill(plan, fold, documents, run_dir, SPAN_MEMORY, "span memory", span_memory)


@dataclass
class Figures:
    """What the folds give the final model: each system's report and fold figures, served thresholds."""

    served: str
    reports: dict[str, Any]
    systems: dict[str, FoldFigures]
    thresholds: Thresholds
    baseline_thresholds: Thresholds | None
    sensitive: Thresholds | None = None  # None in figures cached before the sensitive point existed
    folds: list[int] | None = None  # the folds (0-based) whose scores were used; None: cached before it was recorded
    version: str | None = None  # the model version they were fitted for (None: cached before it was recorded)
    serving: dict[str, Any] | None = None  # the SERVING_SETTINGS they were fitted with (None: before 2.2.0)
    stack: SentenceStack | None = None  # the served sentence stack, fitted on all out-of-fold scores

    def save(self, directory: Path) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        # report.json marks a complete set: dropped first, so figures cut off mid-save are refitted
        # rather than loaded with some files of the last packaging.
        (directory / "report.json").unlink(missing_ok=True)
        self.thresholds.save(directory / "thresholds.json")
        if self.sensitive is not None:
            self.sensitive.save(directory / SENSITIVE_THRESHOLDS)
        if self.baseline_thresholds is not None:
            self.baseline_thresholds.save(directory / "baseline_thresholds.json")
        if self.stack is not None:
            self.stack.save(directory)
        else:  # figures refitted without a stack must not load the one an earlier packaging left
            (directory / SENTENCE_STACK).unlink(missing_ok=True)
        write_atomic(directory / "folds.json", json.dumps(
            {"served": self.served, "folds_used": self.folds, "version": self.version, "serving": self.serving,
             **{name: f.model_dump() for name, f in self.systems.items()}}, indent=2))
        write_atomic(directory / "report.json", reports_json(self.reports))  # written last: marks them complete

    @classmethod
    def load(cls, directory: Path) -> Figures | None:
        if not (directory / "report.json").is_file():
            return None
        raw = json.loads((directory / "folds.json").read_text(encoding="utf-8"))
        served = raw.pop("served")
        folds = raw.pop("folds_used", None)
        version = raw.pop("version", None)
        serving = raw.pop("serving", None)
        baseline = directory / "baseline_thresholds.json"
        sensitive = directory / SENSITIVE_THRESHOLDS
        return cls(served, load_reports(directory / "report.json"),
                   {name: FoldFigures.model_validate(f) for name, f in raw.items()},
                   Thresholds.load(directory / "thresholds.json"), Thresholds.load(baseline) if baseline.is_file()
                   else None, Thresholds.load(sensitive) if sensitive.is_file() else None, folds, version, serving,
                   SentenceStack.load(directory) if (directory / SENTENCE_STACK).is_file() else None)


def word_stack_recipe(config: TrainConfig, lexicon_documents: Sequence[Document]) -> WordStackRecipe:
    """The word stack's fitting recipe from the config, its auxiliary lexicons counted on
    `lexicon_documents`."""
    groups = tuple(g for g in GROUPS if g in config.word_stack_features)
    auxiliary = auxiliary_lexicons(lexicon_documents) if "auxiliary" in groups else {}
    if "auxiliary" in groups and not auxiliary:
        raise TrainingError(f"the word stack's auxiliary features need documents of "
                            f"{', '.join(config.lexicon_only_formats)}: give them with --data")
    return WordStackRecipe(groups, auxiliary, config.word_stack_balanced)


def figures(plan: FoldPlan, documents: Sequence[Document], run_dir: Path, config: TrainConfig,
            folds: Sequence[int] | None = None, reuse_references: bool = False,
            recipe: WordStackRecipe | None = None) -> Figures:
    """Every system's cross-validated figures from the out-of-fold scores of `folds` (0-based; default
    all), computed once for a given set of folds, model version and serving settings: packaging a
    finished run under a new version, or with other TF-IDF shares, fits its thresholds anew (with the
    calibration of the code at hand). With `reuse_references`, the rows of the network alone and the
    baseline (a third of the fits each) are taken from the last figures when their folds and
    REFERENCE_SETTINGS match: only the served system is fitted anew."""
    folds = list(range(plan.k)) if folds is None else sorted(folds)
    for fold in folds:
        _backfill_parts(plan, fold, documents, run_dir, config)
    cached = Figures.load(run_dir / FIGURES)
    if cached is not None and (cached.folds or list(range(plan.k))) != folds:
        cached = None  # figures of other folds: nothing of them applies
    if cached is not None and cached.version == config.version and cached.serving == config.serving_settings():
        return cached
    rest = [d for d in plan.rest(documents) if plan.folds[d.id] in folds]
    by_system: dict[str, dict[str, DocumentScores]] = {}
    for fold in folds:
        for system, scores in load_scores(fold_dir(run_dir, fold) / SCORES).items():
            by_system.setdefault(system, {}).update(scores)
    scores = {system: [by_system[system][d.id] for d in rest] for system in ("network", "baseline")
              if system in by_system}
    prepared = [PreparedText.from_text(d.text) for d in rest]
    if config.span_memory_share > 0:  # the network's word scores as its memory blends them when served
        scores["network"] = with_recorded_memory(prepared, scores["network"], [by_system[SPAN_MEMORY][d.id]
                                                 for d in rest], config.span_memory_share, config.span_memory_floor)
    if config.lexical_shares().used:
        if "baseline" not in scores:
            raise TrainingError(f"{run_dir}: the folds hold no TF-IDF scores (trained with \"baseline\": false and "
                                "no TF-IDF share), so the ensemble cannot be measured; train the run again")
        scores["ensemble"] = combine(scores["network"], scores["baseline"], config.lexical_shares())
    served = "ensemble" if "ensemble" in scores else "network"
    if config.article_frame_weight > 0:  # the served system's article frames blend in the article-frame model's
        scores[served] = blend_article_frames(scores[served], [by_system[ARTICLE_FRAMES][d.id].article_frames
                                                               for d in rest], config.article_frame_weight)
    own_sentences = ([by_system[SENTENCE_TECHNIQUES][d.id].sentence_techniques for d in rest]
                     if config.sentence_technique_weight > 0 else [])
    if config.sentence_technique_weight > 0:  # and its sentence techniques the sentence-technique model's
        scores[served] = blend_sentence_techniques(scores[served], own_sentences, config.sentence_technique_weight)
    fold_of = plan.fold_of(rest)
    stack, stacked_folds = None, None
    if config.sentence_stack:  # sentence (and word) scores stacked; each fold judged by stacks that never saw it
        parts = StackParts.of(rest, prepared, scores["network"], scores["baseline"], own_sentences)
        stacked_folds = nested_scores(scores[served], parts, fold_of, words=config.word_stack, recipe=recipe)
        stack = fit_stack(parts, range(len(rest)), groups=fold_of if config.word_stack else None, recipe=recipe)
        scores[served] = list(apply_stack(scores[served], parts, stack, range(len(rest))).values())
    reports, systems, thresholds = {}, {}, {}
    kept = _reference_rows(cached, config, served) if reuse_references else {}
    for system in [served, *(s for s in scores if s != served)]:
        if system in kept:
            log.info("%s: cross-validated figures kept from the last packaging (same folds and span settings)",
                     system)
            reports[system], systems[system], thresholds[system] = kept[system]
            continue
        log.info("cross-validated figures of %s (%d threshold fits)", system, plan.k + 1)
        info = ModelInfo(name=BaselineScorer.name if system == "baseline" else config.name, version=config.version)
        report, fold_figures, fitted = cross_validated(rest, prepared, scores[system], fold_of, info,
                                                       config.span_growth(),
                                                       stacked_folds if system == served else None)
        name = "model" if system == served else system
        reports[name], systems[name], thresholds[system] = report, fold_figures, fitted
    # The sensitive point, fitted on all out-of-fold scores of the served system like the precise one.
    sensitive = sensitive_thresholds(rest, prepared, scores[served], thresholds[served])
    result = Figures(served, reports, systems, thresholds[served], thresholds.get("baseline"), sensitive, folds,
                     config.version, config.serving_settings(), stack)
    result.save(run_dir / FIGURES)
    return result


def _reference_rows(cached: Figures | None, config: TrainConfig, served: str
                    ) -> dict[str, tuple[Any, FoldFigures, Thresholds | None]]:
    """The network-alone and baseline rows of the last figures (of the same folds), when they were
    fitted with the same REFERENCE_SETTINGS; their scores do not pass through the other serving
    settings. The baseline's row comes with its thresholds, which the model folder keeps."""
    if cached is None or cached.serving is None or any(cached.serving.get(key) != getattr(config, key)
                                                       for key in REFERENCE_SETTINGS):
        return {}
    rows: dict[str, tuple[Any, FoldFigures, Thresholds | None]] = {}
    if served != "network" and "network" in cached.reports:
        rows["network"] = (cached.reports["network"], cached.systems["network"], None)
    if "baseline" in cached.reports and cached.baseline_thresholds is not None:
        rows["baseline"] = (cached.reports["baseline"], cached.systems["baseline"], cached.baseline_thresholds)
    return rows


def _gate_figures(network: Any, tokenizer: Any, baseline: BaselineScorer | None,
                  article_model: ArticleFrameModel | None, result: Figures, gate: Sequence[Document],
                  config: TrainConfig, memory: SpanMemory | None = None,
                  sentence_model: SentenceTechniqueModel | None = None,
                  table: np.ndarray | None = None) -> dict[str, Summary]:
    """The final model (and the baseline beside it) on the gate set, with the thresholds it serves;
    `table` is the network's embedding table, which the embedding models read."""
    from framing.model.decoding import build_analysis

    prepared, network_scores = score_documents(network, tokenizer, config, gate, memory)
    systems: dict[str, tuple[Sequence[DocumentScores], Thresholds, str]] = {}
    lexical = baseline.score(list(prepared)) if baseline is not None else None
    own = article_model.score(list(prepared), tokenizer, table) if article_model is not None else None
    own_sentences = sentence_model.score(list(prepared), tokenizer, table) if sentence_model is not None else None
    _, served_scores = serve(config, prepared, network_scores, lexical, own, None, own_sentences, result.stack)
    systems["model"] = (served_scores, result.thresholds, config.name)
    if lexical is not None and result.baseline_thresholds is not None:
        systems["baseline"] = (lexical, result.baseline_thresholds, BaselineScorer.name)
    summaries = {}
    for name, (scores, thresholds, system_name) in systems.items():
        info = ModelInfo(name=system_name, version=config.version)
        analyses = [build_analysis(p, s, thresholds, info, d.id)
                    for p, s, d in zip(prepared, scores, gate, strict=True)]
        summaries[name] = score_analyses(gate, analyses).summary()
    return summaries


def _start(documents: Sequence[Document], run_dir: Path, config: TrainConfig, k: int, gate_fraction: float,
           gate_ids: Sequence[str] | None) -> FoldPlan:
    if config.threads:
        torch.set_num_threads(config.threads)
    plan = FoldPlan.make(documents, k, config.seed, gate_fraction, gate_ids, config.train_only_formats)
    plan.save_or_check(run_dir, documents, config)
    return plan


def train_final(plan: FoldPlan, documents: Sequence[Document], run_dir: Path,
                config: TrainConfig) -> tuple[Any, Any, str, TrainConfig, list[dict[str, Any]]]:
    """The final network: all articles outside the gate, as many steps as a fold model took (a
    network finished earlier in the run folder is picked up, not trained again)."""
    steps = round(float(np.mean([fold_steps(config, len(plan.split(documents, f)[0])) for f in range(plan.k)])))
    final_config = config.model_copy(update={"max_steps": steps})
    seed_everything(config.seed)
    network, tokenizer, encoder = initial_network(final_config, None)
    gate = plan.gate(documents)
    per_epoch = gate if len(gate) >= 2 else []  # per-epoch figures cross-fit two halves of the gate set
    history = Trainer.for_documents(network, tokenizer, final_config, plan.training(documents), per_epoch,
                                    run_dir / FINAL_WORK).fit()
    return network, tokenizer, encoder, final_config, history


FINAL_PART = "final"


def parse_part(text: str, k: int) -> int | None:
    """A part's fold index, or None for the final network; `fold:N` counts folds from 1."""
    if text == FINAL_PART:
        return None
    name, _, number = text.partition(":")
    if name != "fold" or not number.isdigit() or not 1 <= int(number) <= k:
        raise TrainingError(f"unknown part {text!r}: expected fold:1 to fold:{k}, or {FINAL_PART}")
    return int(number) - 1


def crossval_part(documents: Sequence[Document], run_dir: Path, config: TrainConfig, k: int, part: str,
                  gate_fraction: float = 0.0, gate_ids: Sequence[str] | None = None) -> None:
    """Train one part of the protocol (one fold model and its out-of-fold scores, or the final
    network) into the run folder, and stop; parts run side by side in separate processes."""
    fold = parse_part(part, k)
    documents = lexicon_only(documents, config.lexicon_only_formats)[0]
    plan = _start(documents, run_dir, config, k, gate_fraction, gate_ids)
    if fold is None:
        train_final(plan, documents, run_dir, config)
        log.info("final network trained; a plain run fits the thresholds and writes the model")
    else:
        run_fold(plan, fold, documents, run_dir, config)


def crossval(documents: Sequence[Document], run_dir: Path, config: TrainConfig, k: int,
             gate_fraction: float = 0.0, gate_ids: Sequence[str] | None = None,
             sources: Sequence[dict] = (), use_folds: Sequence[int] | None = None,
             reuse_references: bool = False) -> TrainingMetrics:
    """Run (or resume) the whole protocol; the model is written to `run_dir / "model"`. With
    `use_folds` (0-based, at least two), only those folds are trained and their out-of-fold scores
    give the thresholds and figures: for a run whose other fold models were lost. `reuse_references`:
    see `figures`."""
    folds = list(range(k)) if use_folds is None else sorted(set(use_folds))
    if len(folds) < 2 or not all(0 <= f < k for f in folds):
        raise TrainingError(f"the folds used must be at least two of 1 to {k}")
    sentence_frames = plan_sentence_frames(config)  # a bad examples file stops the run before it starts
    documents, counted = lexicon_only(documents, config.lexicon_only_formats)
    recipe = word_stack_recipe(config, counted)
    plan = _start(documents, run_dir, config, k, gate_fraction, gate_ids)
    rest, gate = plan.rest(documents), plan.gate(documents)
    log.info("%d-fold cross-validation over %d articles, %d in the gate set", k, len(rest), len(gate))
    for fold in folds:
        run_fold(plan, fold, documents, run_dir, config)
    result = figures(plan, documents, run_dir, config, folds, reuse_references, recipe)
    network, tokenizer, encoder, final_config, history = train_final(plan, documents, run_dir, config)
    training = plan.training(documents)
    baseline = BaselineScorer().fit(training) if config.fits_tfidf() else None
    table = embedding_table(network) if config.fits_embedding_models() else None
    article_model = fit_article_frames(training, tokenizer, table) if config.article_frame_weight > 0 else None
    sentence_model = (fit_sentence_techniques(training, tokenizer, table)
                      if config.sentence_technique_weight > 0 else None)
    served_network = quantize(network.eval(), config.quantization)
    memory = memory_for(served_network, tokenizer, config, training)
    gate_summaries = None
    if gate:
        gate_summaries = _gate_figures(served_network, tokenizer, baseline, article_model, result, gate, config,
                                       memory, sentence_model, table)
    metrics = package(network, tokenizer, encoder, final_config, plan, result, documents, run_dir / MODEL, history,
                      baseline, gate_summaries, sources, article_model, memory, sentence_model)
    fit_beside(run_dir / MODEL, documents, config, sentence_frames)
    return metrics


def package(network: Any, tokenizer: Any, encoder: str, config: TrainConfig, plan: FoldPlan, result: Figures,
            documents: Sequence[Document], output: Path, history: list[dict[str, Any]],
            baseline: BaselineScorer | None, gate: dict[str, Summary] | None,
            sources: Sequence[dict], article_model: ArticleFrameModel | None = None,
            memory: SpanMemory | None = None, sentence_model: SentenceTechniqueModel | None = None) -> TrainingMetrics:
    """Write the model folder with the cross-validated thresholds, metrics, report and data record."""
    rest, gate_docs = plan.rest(documents), plan.gate(documents)
    manifest = config.manifest(encoder, result.served, history, article_frames=article_model is not None,
                               sentence_techniques=sentence_model is not None)
    manifest.extra["cross_validation"] = {"k": plan.k, "seed": plan.seed, "gate_articles": len(gate_docs)}
    folder = ModelFolder(output)
    keep_baseline = baseline is not None and result.baseline_thresholds is not None
    folder.save(network, tokenizer, manifest, result.thresholds, tfidf=baseline if keep_baseline else None,
                tfidf_thresholds=result.baseline_thresholds if keep_baseline else None, sensitive=result.sensitive,
                article_frames=article_model, span_memory=memory, sentence_techniques=sentence_model,
                sentence_stack=result.stack)
    used = None if result.folds is None or len(result.folds) == plan.k else [f + 1 for f in result.folds]
    scored = sum(1 for d in rest if result.folds is None or plan.folds[d.id] in result.folds)
    protocol = protocol_text(plan.k, plan.seed, len(rest), len(gate_docs), used, scored)
    split = Split(training_articles=len(rest), heldout_articles=len(gate_docs), heldout_ids=plan.gate_ids,
                  seed=plan.seed, protocol=protocol)
    sizes = [sum(1 for f in plan.folds.values() if f == fold) for fold in range(plan.k)]
    record = CrossValidation(k=plan.k, seed=plan.seed, fold_articles=sizes, gate_articles=len(gate_docs),
                             systems=result.systems, gate=gate, folds_used=used)
    metrics = TrainingMetrics.of(split, result.served, result.reports, record)
    folder.save_metrics(metrics.model_dump())
    _, markdown = write_report(result.reports, folder.report_dir,
                               title=f"{config.name} {config.version}: {plan.k}-fold cross-validation")
    extra = [f"\n## Cross-validation\n\nProtocol: {protocol}.\n", spread_table(result.systems, used)]
    if gate:
        extra += [f"\nThe final model on the {len(gate_docs)} gate articles, with the thresholds it serves:\n",
                  summary_table(gate)]
    markdown.write_text(markdown.read_text(encoding="utf-8") + "\n".join(extra) + "\n", encoding="utf-8")
    data = data_record(documents, sources, gate_docs)
    for entry in data["documents"]:
        if entry["id"] in plan.folds:
            entry["fold"] = plan.folds[entry["id"]] + 1
        else:
            entry["gate"] = True
    data["protocol"] = {"kind": "cross-validation", "k": plan.k, "seed": plan.seed,
                        "gate_fraction": plan.gate_fraction, "gate_ids": plan.gate_ids, "steps": config.max_steps}
    folder.save_data_record(data)
    write_model_card(output, metrics, config, data)
    return metrics


# All-in seconds a step of MiniLM on 2 CPU cores, per-epoch evaluations included: `framing train`'s
# 4-epoch run on 297 articles (1,188 steps) took about 37 minutes (model/shipped/MODEL_CARD.md).
SECONDS_PER_STEP = 1.9
# A step on one short auxiliary document (a sentence of data/training/loaded_labels.jsonl, a BABE
# sentence, a meme): 814 sentence steps beside 80 article steps took about 90 s of a 242 s run.
SECONDS_PER_SHORT_STEP = 0.12
# `calibrate` on 40 corpus articles took 14 s on 2 busy cores; it grows linearly with the articles.
SECONDS_PER_FITTED_ARTICLE = 0.35


def _training_seconds(config: TrainConfig, documents: Sequence[Document]) -> float:
    """Steps are one document each: articles at SECONDS_PER_STEP, auxiliary documents far quicker."""
    short = sum(1 for d in documents if d.kind in config.train_only_formats)
    steps = fold_steps(config, len(documents))
    share = short / len(documents) if documents else 0.0
    return steps * ((1 - share) * SECONDS_PER_STEP + share * SECONDS_PER_SHORT_STEP)


def describe_plan(plan: FoldPlan, documents: Sequence[Document], config: TrainConfig) -> list[str]:
    """What a run would do and roughly how long it takes, without training (`--dry-run`)."""
    lines = [f"{plan.k}-fold cross-validation, seed {plan.seed}: {len(plan.rest(documents))} articles in folds, "
             f"{len(plan.gate_ids)} in the gate set"]
    if plan.train_only_ids:
        lines.append(f"{len(plan.train_only_ids)} auxiliary documents ({', '.join(config.train_only_formats)}) "
                     "train in every fold and in the final model")
    steps, seconds = [], 0.0
    for fold in range(plan.k):
        train_docs, heldout = plan.split(documents, fold)
        steps.append(fold_steps(config, len(train_docs)))
        seconds += _training_seconds(config, train_docs)
        lines.append(f"fold {fold + 1}: trains on {len(train_docs)} documents for {steps[-1]} steps, "
                     f"scores {len(heldout)}")
    final = round(float(np.mean(steps)))
    training = plan.training(documents)
    lines.append(f"final model: trains on {len(training)} documents for {final} steps")
    hours = (seconds + seconds / plan.k) / 3600
    fits = sum(len(plan.split(documents, f)[1]) for f in range(plan.k)) + len(plan.gate_ids)
    minutes = fits * SECONDS_PER_FITTED_ARTICLE * 3 * (plan.k + 1) / 60
    lines.append(f"about {hours:.1f} h of training at MiniLM's {SECONDS_PER_STEP} s an article step on 2 CPU "
                 f"cores, then up to {minutes:.0f} min of threshold fitting for the figures of three systems")
    return lines
