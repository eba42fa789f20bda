"""From a trained network to a model folder: calibrate and measure every system, then write it all.

`calibrate_systems` is the pure part (scores and gold labels in, thresholds and reports out);
`package_model` and `recalibrate` are the thin callers that score, fit the TF-IDF model and write
files. `framing train`, `framing calibrate` and `framing average` all end here.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from framing.model.article_frames import blend_article_frames
from framing.model.decoding import SPAN_GROWTH
from framing.model.embedding_regression import embedding_table
from framing.model.ensemble import LexicalShares, combine
from framing.model.folder import ModelFolder
from framing.model.network import FramingNetwork
from framing.model.quantization import quantize
from framing.model.schema import ModelInfo
from framing.model.scores import DocumentScores, PreparedText
from framing.model.sentence_stack import SentenceStack, stacked
from framing.model.sentence_techniques import blend_sentence_techniques
from framing.model.tfidf import BaselineScorer
from framing.model.thresholds import SpanGrowth, Thresholds
from framing.training.article_frames import fit_article_frames
from framing.training.calibrate import sensitive_thresholds
from framing.training.config import TrainConfig
from framing.training.documents import Document
from framing.training.errors import TrainingError
from framing.training.evaluate import cross_fitted, protocol, write_report
from framing.training.model_card import write_model_card
from framing.training.reports import Split, SystemReport, TrainingMetrics
from framing.training.sentence_frame_fit import SentenceFramePlan, fit_beside, plan_sentence_frames
from framing.training.sentence_techniques import fit_sentence_techniques
from framing.training.span_memory_fit import memory_for
from framing.training.split import data_record, split_documents
from framing.training.trainer import score_documents

log = logging.getLogger("framing.train")


@dataclass
class Calibration:
    """What calibrating on the held-out articles gives: the served system's thresholds (and the
    baseline's, when there is one) and every system's report, the served one first as `model`.
    `thresholds` is the served `precise` operating point, `sensitive` the served recall-fitted one."""

    served: str
    reports: dict[str, SystemReport]
    thresholds: Thresholds
    baseline_thresholds: Thresholds | None
    sensitive: Thresholds | None = None


def calibrate_systems(documents: Sequence[Document], prepared: Sequence[PreparedText],
                      network_scores: Sequence[DocumentScores], info: ModelInfo,
                      baseline: tuple[Sequence[DocumentScores], ModelInfo] | None, shares: LexicalShares,
                      seed: int, assignments: int,
                      article_frames: tuple[Sequence[np.ndarray], float] | None = None,
                      growth: SpanGrowth = SPAN_GROWTH,
                      sentence_techniques: tuple[Sequence[np.ndarray], float] | None = None,
                      stack: SentenceStack | None = None) -> Calibration:
    """Each system judged with cross-fitted thresholds: the network alone, the baseline (when its
    scores and identity are given) and, when the TF-IDF model has a share, their ensemble, which is then
    the one served. `article_frames` (the article-frame model's scores and share) blend into the served
    system's article frames, `sentence_techniques` (the sentence-technique model's) into its sentence
    techniques, or are stacked with the network's and the TF-IDF model's by `stack` (the ensemble only).
    Word-unit spans grow by `growth` in every fit."""
    def blended(scores: Sequence[DocumentScores]) -> Sequence[DocumentScores]:
        if article_frames is not None:
            scores = blend_article_frames(list(scores), list(article_frames[0]), article_frames[1])
        if sentence_techniques is not None:
            scores = blend_sentence_techniques(list(scores), list(sentence_techniques[0]), sentence_techniques[1])
        return scores

    reports: dict[str, SystemReport] = {}
    ensemble = baseline is not None and shares.used
    served_scores = network_scores if ensemble else blended(network_scores)
    reports["network"], thresholds = cross_fitted(documents, prepared, served_scores, info, seed=seed,
                                                  assignments=assignments, growth=growth)
    baseline_thresholds = None
    if baseline is not None:
        baseline_scores, baseline_info = baseline
        reports["baseline"], baseline_thresholds = cross_fitted(documents, prepared, baseline_scores, baseline_info,
                                                                seed=seed, assignments=assignments, growth=growth)
        if ensemble:
            served_scores = blended(combine(list(network_scores), list(baseline_scores), shares))
            if stack is not None and sentence_techniques is not None:
                served_scores = stacked(list(prepared), list(served_scores), list(network_scores),
                                        list(baseline_scores), list(sentence_techniques[0]), stack)
            reports["ensemble"], thresholds = cross_fitted(documents, prepared, served_scores, info, seed=seed,
                                                           assignments=assignments, growth=growth)
    served = "ensemble" if "ensemble" in reports else "network"
    ordered = {"model": reports[served], **{k: v for k, v in reports.items() if k != served}}
    sensitive = sensitive_thresholds(documents, prepared, served_scores, thresholds)
    return Calibration(served, ordered, thresholds, baseline_thresholds, sensitive)


def package_model(network: FramingNetwork, tokenizer: Any, config: TrainConfig, encoder: str,
                  documents: Sequence[Document], train_docs: Sequence[Document],
                  heldout_docs: Sequence[Document], output: Path,
                  history: list[dict[str, Any]], sources: Sequence[dict] = (),
                  final_entry: dict[str, Any] | None = None,
                  sentence_frames: SentenceFramePlan | None = None,
                  stack: SentenceStack | None = None) -> TrainingMetrics:
    """Calibrate on the held-out articles, measure every system there, and write the model folder,
    with a sentence-frame model fitted as `sentence_frames` says (default: `config`'s examples).

    No out-of-fold scores here, so no sentence stack is fitted: `stack` is one inherited (the
    folder fine-tuned from, or recalibrated), kept and calibrated with when the folder serves the
    ensemble with a sentence-technique model; without one the folder serves the fixed blend.

    The network is judged in the arithmetic it will be served in (`config.quantization`).
    """
    if config.sentence_stack and stack is None:
        log.warning("sentence_stack is fitted on out-of-fold scores, which only `framing crossval` has: this "
                    "folder serves the fixed blend of the sentence scores, calibrated as such")
    served_network = quantize(network.eval(), config.quantization)
    memory = memory_for(served_network, tokenizer, config, train_docs)
    prepared, neural_scores = score_documents(served_network, tokenizer, config, heldout_docs, memory)
    baseline = None
    if config.fits_tfidf():
        baseline = BaselineScorer().fit(train_docs)
    table = embedding_table(network) if config.fits_embedding_models() else None
    article_model, article_scores = None, None
    if config.article_frame_weight > 0:
        article_model = fit_article_frames(train_docs, tokenizer, table)
        if article_model is not None:
            article_scores = (article_model.score(list(prepared), tokenizer, table), config.article_frame_weight)
        else:
            log.warning("no training article has frame labels: the model is written without the article-frame "
                        "model (article_frame_weight 0)")
    sentence_model, sentence_scores = None, None
    if config.sentence_technique_weight > 0:
        sentence_model = fit_sentence_techniques(train_docs, tokenizer, table)
        if sentence_model is not None:
            sentence_scores = (sentence_model.score(list(prepared), tokenizer, table),
                               config.sentence_technique_weight)
    calibration = calibrate_systems(
        heldout_docs, prepared, neural_scores, ModelInfo(name=config.name, version=config.version),
        (baseline.score(prepared), ModelInfo(name=baseline.name, version=config.version)) if baseline else None,
        config.lexical_shares(), config.seed, config.fold_assignments, article_scores, config.span_growth(),
        sentence_scores, stack)
    history.append({**(final_entry or {"epoch": config.epochs}),
                    **calibration.reports["model"].summary().model_dump()})
    folder = ModelFolder(output)
    keep_baseline = baseline is not None and calibration.baseline_thresholds is not None
    if stack is not None and (sentence_model is None or calibration.served != "ensemble"):
        log.warning("the inherited sentence stack is dropped: it stacks the TF-IDF and sentence-technique "
                    "models' scores, and this folder serves no ensemble with both")
        stack = None
    folder.save(network, tokenizer, config.manifest(encoder, calibration.served, history,
                                                    article_frames=article_model is not None,
                                                    sentence_techniques=sentence_model is not None),
                calibration.thresholds, tfidf=baseline if keep_baseline else None,
                tfidf_thresholds=calibration.baseline_thresholds if keep_baseline else None,
                sensitive=calibration.sensitive, article_frames=article_model, span_memory=memory,
                sentence_techniques=sentence_model, sentence_stack=stack)
    split = Split(training_articles=len(train_docs), heldout_articles=len(heldout_docs),
                  heldout_ids=[d.id for d in heldout_docs], seed=config.seed,
                  protocol=protocol(config.fold_assignments))
    metrics = TrainingMetrics.of(split, calibration.served, calibration.reports)
    folder.save_metrics(metrics.model_dump())
    write_report(calibration.reports, folder.report_dir,
                 title=f"{config.name} {config.version}: held-out evaluation")
    data = data_record(documents, sources, heldout_docs)
    folder.save_data_record(data)
    write_model_card(output, metrics, config, data)
    fit_beside(output, documents, config, sentence_frames or plan_sentence_frames(config))
    return metrics


def recalibrate(model: Path, documents: Sequence[Document], output: Path, sources: Sequence[dict] = (),
                quantization: str | None = None, note: dict[str, Any] | None = None) -> TrainingMetrics:
    """Calibrate and evaluate a trained model again without training it, e.g. after a change to
    decoding or calibration, or to serve it in other arithmetic (`quantization`; by default the
    model keeps its own). The held-out split is recomputed from the model's own config and
    must match the one it was trained with, or the model would be judged on its training articles.
    """
    network, tokenizer, manifest, _ = ModelFolder(model).load_network(trainable=True)
    network.eval()
    if "config" not in manifest.extra:
        raise TrainingError(f"{model}: no training configuration recorded; it cannot be recalibrated")
    if "cross_validation" in manifest.extra:
        raise TrainingError(f"{model} was trained on all its articles, with thresholds from cross-validation: "
                            "run `framing crossval` again to refit them")
    config = TrainConfig(**{**manifest.extra["config"], "quantization": quantization or manifest.quantization})
    # The examples the folder keeps, not the path it was trained with (which may not exist here); read
    # before `output` (maybe `model` itself) is rewritten.
    sentence_frames = plan_sentence_frames(config.model_copy(update={"sentence_frame_examples": None}), model)
    folder = ModelFolder(model)
    stack = folder.sentence_stack()  # kept: only crossval fits one
    recorded = folder.heldout_ids()
    lineage = (folder.data_record() or {}).get("lineage")
    if lineage is not None:
        # Fine-tuned from another model: its held-out articles were chosen by lineage (training.lineage),
        # not by the seeded draw, so they are read back; every one must be in the data.
        held = recorded or set()
        heldout_docs = [d for d in documents if d.id in held]
        train_docs = [d for d in documents if d.id not in held]
        if len(heldout_docs) != len(held):
            raise TrainingError(f"{model} was held out on {len(held)} articles, {len(held) - len(heldout_docs)} of "
                                "them missing from these data; recalibrate it on the data it was trained with")
    else:
        train_docs, heldout_docs = split_documents(documents, config.heldout_fraction, config.seed,
                                                   config.train_only_formats)
        if recorded is not None and recorded != {d.id for d in heldout_docs}:
            raise TrainingError(f"{model} was held out on other articles than these data give; recalibrate it "
                                "on the data it was trained with")
    metrics = package_model(network, tokenizer, config, manifest.encoder, documents, train_docs, heldout_docs,
                            output, list(manifest.extra.get("history", [])), sources,
                            final_entry={"recalibrated": datetime.now(UTC).date().isoformat(), **(note or {})},
                            sentence_frames=sentence_frames, stack=stack)
    if lineage is not None:  # keep the lineage, so descendants stay judged on articles none of them saw
        from framing.training.lineage import Lineage, record_lineage

        ancestors = Lineage(list(lineage["ancestors"][:-1]), set(lineage["trained_ids"]), set(lineage["heldout_ids"]))
        metrics = record_lineage(output, metrics, config, ancestors, train_docs, heldout_docs)
    return metrics

