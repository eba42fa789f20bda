"""Fine-tunes the network on annotated articles; resumable, seeded, and self-evaluating.

One optimizer step sees one whole article (all its windows), so the article-level frame loss and
the token/sentence losses share a forward pass. A checkpoint is written every few steps; running
the same command again continues from it.
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
import random
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import torch
from torch import nn
from transformers import AutoTokenizer

from framing.model.artifact import METRICS, Manifest, load_network, save_model
from framing.model.encoder import pretrained_encoder_path
from framing.model.ensemble import combine
from framing.model.network import FramingNetwork
from framing.model.neural_scorer import NeuralScorer
from framing.model.quantization import quantize
from framing.model.schema import ModelInfo
from framing.model.scores import PreparedText
from framing.model.taxonomy import FRAMES, TECHNIQUES
from framing.model.tfidf import BASELINE_THRESHOLDS, BaselineScorer
from framing.model.thresholds import Thresholds
from framing.training.config import TrainConfig
from framing.training.dataset import Example, build_example, positive_weights
from framing.training.distillation import ClassWeights, distil
from framing.training.documents import Document
from framing.training.evaluate import cross_fitted, protocol, write_report
from framing.training.model_card import write_model_card

log = logging.getLogger("framing.train")
CHECKPOINT = "checkpoint.pt"
DATA_RECORD = "data.json"


def split_documents(documents: Sequence[Document], fraction: float, seed: int) -> tuple[list, list]:
    """Whole articles out, never paragraphs: the held-out set is new text to the model."""
    ordered = sorted(documents, key=lambda d: d.id)
    random.Random(seed).shuffle(ordered)
    n_heldout = max(1, round(len(ordered) * fraction)) if len(ordered) > 1 else 0
    return ordered[n_heldout:], ordered[:n_heldout]


def seed_everything(seed: int) -> None:
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


def _crop(example: Example, max_windows: int, rng: random.Random) -> Example:
    """Long articles train on a random run of windows; sentences outside it are dropped."""
    windows = example.encoded.windows
    if len(windows) <= max_windows:
        return example
    first = rng.randrange(len(windows) - max_windows + 1)
    keep = range(first, first + max_windows)
    sentence_mask = np.isin(example.encoded.sentence_window, list(keep))
    encoded = type(example.encoded)(
        example.encoded.token_ids, example.encoded.token_offsets, example.encoded.token_word,
        [windows[w] for w in keep], example.encoded.sentence_tokens[sentence_mask],
        example.encoded.sentence_window[sentence_mask] - first,
    )
    # Frames are article labels: a partial article still carries them, near enough.
    return Example(example.document, example.prepared, encoded, example.token_labels,
                   example.sentence_labels[sentence_mask], example.frame_labels)


class Losses(nn.Module):
    def __init__(self, examples: Sequence[Example], config: TrainConfig) -> None:
        super().__init__()
        tokens = np.concatenate([e.token_labels for e in examples])
        sentences = np.concatenate([e.sentence_labels for e in examples])
        frames = np.stack([e.frame_labels for e in examples if e.frame_labels is not None] or
                          [np.zeros(len(FRAMES), dtype=np.float32)])
        cap = config.positive_weight_cap
        self.token = nn.BCEWithLogitsLoss(
            pos_weight=torch.from_numpy(positive_weights(tokens.sum(0), len(tokens), cap)), reduction="none")
        self.sentence = nn.BCEWithLogitsLoss(
            pos_weight=torch.from_numpy(positive_weights(sentences.sum(0), len(sentences), cap)))
        self.frame = nn.BCEWithLogitsLoss(
            pos_weight=torch.from_numpy(positive_weights(frames.sum(0), len(frames), cap)))
        self.config = config

    def class_weights(self) -> ClassWeights:
        return ClassWeights(*(head.pos_weight.numpy() for head in (self.token, self.sentence, self.frame)))

    def forward(self, output, example: Example) -> torch.Tensor:
        targets, masks = [], []
        width = output.token_logits.shape[1]
        for start, end in example.encoded.windows:
            target = np.zeros((width, len(TECHNIQUES)), dtype=np.float32)
            mask = np.zeros((width, 1), dtype=np.float32)
            target[1 : 1 + end - start] = example.token_labels[start:end]
            mask[1 : 1 + end - start] = 1
            targets.append(target)
            masks.append(mask)
        target = torch.from_numpy(np.stack(targets))
        mask = torch.from_numpy(np.stack(masks))
        token_loss = (self.token(output.token_logits, target) * mask).sum() / (mask.sum() * len(TECHNIQUES))
        loss = self.config.token_loss_weight * token_loss
        if len(example.sentence_labels):
            loss = loss + self.config.sentence_loss_weight * self.sentence(
                output.sentence_logits[0], torch.from_numpy(example.sentence_labels))
        if example.frame_labels is not None:
            loss = loss + self.config.frame_loss_weight * self.frame(
                output.article_frame_logits[0], torch.from_numpy(example.frame_labels))
        return loss


def _optimizer(network: FramingNetwork, config: TrainConfig) -> torch.optim.Optimizer:
    encoder = [p for n, p in network.named_parameters() if n.startswith("encoder.")]
    heads = [p for n, p in network.named_parameters() if not n.startswith("encoder.")]
    return torch.optim.AdamW([{"params": encoder, "lr": config.encoder_lr},
                              {"params": heads, "lr": config.head_lr}], weight_decay=config.weight_decay)


def _schedule(optimizer, total: int, warmup_fraction: float):
    warmup = max(1, int(total * warmup_fraction))

    def factor(step: int) -> float:
        if step < warmup:
            return (step + 1) / warmup
        return max(0.0, (total - step) / max(1, total - warmup))

    return torch.optim.lr_scheduler.LambdaLR(optimizer, factor)


def score_documents(network, tokenizer, config: TrainConfig,
                    documents: Sequence[Document]) -> tuple[list[PreparedText], list]:
    """The network's scores on `documents` (switches the network to eval mode)."""
    prepared = [PreparedText.from_text(d.text) for d in documents]
    return prepared, NeuralScorer(network, tokenizer, config.window_length, config.stride).score(prepared)


def evaluate_network(network, tokenizer, config: TrainConfig, documents: Sequence[Document],
                     info: ModelInfo):
    prepared, scores = score_documents(network, tokenizer, config, documents)
    network.train()
    return cross_fitted(documents, prepared, scores, info, seed=config.seed)


def data_record(documents: Sequence[Document], sources: Sequence[dict], heldout: Sequence[Document]) -> dict:
    """What a run saw, with hashes, so a model can be traced back to its exact data."""
    heldout_ids = {d.id for d in heldout}
    return {
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "sources": list(sources),
        "documents": [{"id": d.id, "sha256": hashlib.sha256(d.text.encode("utf-8")).hexdigest(),
                       "spans": len(d.spans), "frames": d.frames is not None,
                       "split": "heldout" if d.id in heldout_ids else "train"} for d in documents],
    }


def recorded_heldout_ids(model: Path) -> set[str] | None:
    """The articles a model was held out on, from its data record (None if it has none)."""
    path = model / DATA_RECORD
    if not path.is_file():
        return None
    return {d["id"] for d in json.loads(path.read_text(encoding="utf-8"))["documents"] if d["split"] == "heldout"}


def train(documents: Sequence[Document], output: Path, config: TrainConfig,
          init_from: Path | None = None, work_dir: Path | None = None,
          sources: Sequence[dict] = ()) -> dict:
    """Train, calibrate on held-out articles, and write a complete model directory to `output`."""
    if config.threads:
        torch.set_num_threads(config.threads)
    seed_everything(config.seed)
    work_dir = work_dir or output.with_name(output.name + ".work")
    work_dir.mkdir(parents=True, exist_ok=True)
    train_docs, heldout_docs = split_documents(documents, config.heldout_fraction, config.seed)
    if not train_docs or not heldout_docs:
        raise ValueError(f"need at least 2 annotated articles to train and calibrate, got {len(documents)}")
    log.info("%d training articles, %d held out", len(train_docs), len(heldout_docs))

    if init_from:
        network, tokenizer, init_manifest, _ = load_network(init_from, trainable=True)
        encoder_name = init_manifest.encoder
        if network.article_context and not config.article_context:
            raise ValueError(f"{init_from} reads article context; keep \"article_context\": true to train it further")
        if config.article_context:
            network.add_article_context()
        network.train()
    else:
        encoder_path = config.encoder_path or str(pretrained_encoder_path())
        if not (Path(encoder_path) / "config.json").is_file():
            raise ValueError(f"encoder_path {encoder_path} is not a pretrained encoder folder (no config.json)")
        encoder_name = Path(config.encoder_path).name if config.encoder_path else Manifest.encoder
        network = FramingNetwork.from_pretrained(encoder_path, frame_sharpness=config.frame_sharpness,
                                                 article_context=config.article_context)
        tokenizer = AutoTokenizer.from_pretrained(encoder_path)
    examples = [build_example(d, tokenizer, config.window_length, config.stride) for d in train_docs]
    losses = Losses(examples, config)  # class weights from the gold labels, before any blending
    if config.teacher_path:
        examples = distil(examples, Path(config.teacher_path), config.distillation_weight, work_dir,
                          losses.class_weights())
    optimizer = _optimizer(network, config)
    steps_per_epoch = len(examples)
    total = config.max_steps or math.ceil(config.epochs * steps_per_epoch)
    scheduler = _schedule(optimizer, total, config.warmup_fraction)

    step, history = 0, []
    checkpoint = work_dir / CHECKPOINT
    if checkpoint.is_file():
        state = torch.load(checkpoint, weights_only=False)
        # Compared as configs, so a checkpoint from before a setting existed matches its default.
        if TrainConfig(**state["config"]) != config:
            raise ValueError(f"{checkpoint} was written with another configuration; remove it to start over")
        network.load_state_dict(state["network"])
        optimizer.load_state_dict(state["optimizer"])
        scheduler.load_state_dict(state["scheduler"])
        step, history = state["step"], state["history"]
        random.setstate(state["python_rng"])
        torch.set_rng_state(state["torch_rng"])
        log.info("resuming from step %d of %d", step, total)

    def save_checkpoint() -> None:
        temporary = checkpoint.with_suffix(".tmp")
        torch.save({"config": config.model_dump(), "network": network.state_dict(),
                    "optimizer": optimizer.state_dict(), "scheduler": scheduler.state_dict(),
                    "step": step, "history": history, "python_rng": random.getstate(),
                    "torch_rng": torch.get_rng_state()}, temporary)
        temporary.replace(checkpoint)

    info = ModelInfo(name=config.name, version=config.version)
    network.train()
    started, running = time.time(), []
    while step < total:
        epoch, position = divmod(step, steps_per_epoch)
        order = list(range(steps_per_epoch))
        random.Random(config.seed + epoch).shuffle(order)
        crop_rng = random.Random(config.seed * 1000 + step)
        example = _crop(examples[order[position]], config.max_windows_per_step, crop_rng)
        result = network([example.encoded], tokenizer.cls_token_id, tokenizer.sep_token_id, tokenizer.pad_token_id)
        loss = losses(result, example)
        optimizer.zero_grad()
        loss.backward()
        nn.utils.clip_grad_norm_(network.parameters(), 1.0)
        optimizer.step()
        scheduler.step()
        step += 1
        running.append(loss.item())
        if step % 10 == 0 or step == total:
            log.info("step %d/%d epoch %.2f loss %.4f (%.1f s)", step, total, step / steps_per_epoch,
                     float(np.mean(running[-50:])), time.time() - started)
        if step % config.checkpoint_every == 0 or step == total:
            save_checkpoint()
        if step % steps_per_epoch == 0 and step < total:
            report, _ = evaluate_network(network, tokenizer, config, heldout_docs, info)
            history.append({"step": step, "epoch": step / steps_per_epoch, **summary(report)})
            log.info("held-out after epoch %d: %s", step // steps_per_epoch, history[-1])
            save_checkpoint()

    network.eval()
    return package_model(network, tokenizer, config, encoder_name, documents, train_docs, heldout_docs, output,
                         history, sources)


def recalibrate(model: Path, documents: Sequence[Document], output: Path, sources: Sequence[dict] = (),
                quantization: str | None = None, note: dict | None = None) -> dict:
    """Calibrate and evaluate a trained model again without training it, e.g. after a change to
    decoding or calibration, or to serve it in other arithmetic (`quantization`; by default the
    model keeps its own). The held-out split is recomputed from the model's own config and
    must match the one it was trained with, or the model would be judged on its training articles.
    """
    network, tokenizer, manifest, _ = load_network(model, trainable=True)
    network.eval()
    if "config" not in manifest.extra:
        raise ValueError(f"{model}: no training configuration recorded; it cannot be recalibrated")
    config = TrainConfig(**{**manifest.extra["config"], "quantization": quantization or manifest.quantization})
    train_docs, heldout_docs = split_documents(documents, config.heldout_fraction, config.seed)
    recorded = recorded_heldout_ids(model)
    if recorded is not None and recorded != {d.id for d in heldout_docs}:
        raise ValueError(f"{model} was held out on other articles than these data give; recalibrate it on "
                         "the data it was trained with")
    return package_model(network, tokenizer, config, manifest.encoder, documents, train_docs, heldout_docs, output,
                         list(manifest.extra.get("history", [])), sources,
                         final_entry={"recalibrated": datetime.now(UTC).date().isoformat(), **(note or {})})


def package_model(network: FramingNetwork, tokenizer, config: TrainConfig, encoder: str,
                  documents: Sequence[Document], train_docs: Sequence[Document],
                  heldout_docs: Sequence[Document], output: Path,
                  history: list, sources: Sequence[dict] = (), final_entry: dict | None = None) -> dict:
    """Calibrate on the held-out articles, measure every system there, and write the model folder.

    Systems: the network alone, the TF-IDF baseline, and (when `lexical_weight` > 0) their
    ensemble, which is what the folder then serves. Each is judged with cross-fitted thresholds,
    the network in the arithmetic it will be served in (`config.quantization`).
    """
    served_network = quantize(network.eval(), config.quantization)
    prepared, neural_scores = score_documents(served_network, tokenizer, config, heldout_docs)
    info = ModelInfo(name=config.name, version=config.version)
    reports: dict[str, dict] = {}

    def measure(scores: list, system: ModelInfo) -> tuple[dict, Thresholds]:
        return cross_fitted(heldout_docs, prepared, scores, system, seed=config.seed,
                            assignments=config.fold_assignments)

    reports["network"], thresholds = measure(neural_scores, info)
    baseline = None
    if config.baseline or config.lexical_weight > 0:
        baseline = BaselineScorer().fit(train_docs)
        baseline_scores = baseline.score(prepared)
        reports["baseline"], baseline_thresholds = measure(
            baseline_scores, ModelInfo(name=baseline.name, version=config.version))
    if baseline is not None and config.lexical_weight > 0:
        ensemble_scores = combine(neural_scores, baseline_scores, config.lexical_weight)
        reports["ensemble"], thresholds = measure(ensemble_scores, info)
    served = "ensemble" if "ensemble" in reports else "network"
    reports = {"model": reports[served], **{k: v for k, v in reports.items() if k != served}}
    history.append({**(final_entry or {"epoch": config.epochs}), **summary(reports["model"])})
    manifest = Manifest(name=config.name, version=config.version, window_length=config.window_length,
                        stride=config.stride, frame_sharpness=config.frame_sharpness,
                        article_context=config.article_context,
                        lexical_weight=config.lexical_weight if served == "ensemble" else 0.0,
                        quantization=config.quantization,
                        encoder=encoder,
                        extra={"config": config.model_dump(), "history": history, "served": served})
    save_model(output, network, tokenizer, manifest, thresholds)
    if baseline is not None:
        baseline.save(output)
        baseline_thresholds.save(output / BASELINE_THRESHOLDS)
    metrics = {
        "split": {"training_articles": len(train_docs), "heldout_articles": len(heldout_docs),
                  "heldout_ids": [d.id for d in heldout_docs], "seed": config.seed,
                  "protocol": protocol(config.fold_assignments)},
        "served": served,
        "summary": {name: summary(r) for name, r in reports.items()},
        "reports": reports,
    }
    (output / METRICS).write_text(json.dumps(metrics, indent=2) + "\n", encoding="utf-8")
    write_report(reports, output / "report", title=f"{config.name} {config.version}: held-out evaluation")
    data = data_record(documents, sources, heldout_docs)
    (output / DATA_RECORD).write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
    write_model_card(output, metrics, config.model_dump(), data)
    return metrics


def summary(report: dict) -> dict:
    frames = report["frames"] or {}
    return {
        "paragraph_micro_f1": round(report["paragraph"]["micro_f1"], 4),
        "paragraph_macro_f1": round(report["paragraph"]["macro_f1"], 4),
        "loaded_language_f1": round(report["paragraph"]["per_label"]["Loaded_Language"]["f1"], 4),
        "span_f1": round(report["spans"]["identification"]["f1"], 4),
        "span_technique_f1": round(report["spans"]["technique_micro"]["f1"], 4),
        "frame_micro_f1": round(frames.get("micro_f1", 0.0), 4),
        "frame_macro_f1": round(frames.get("macro_f1", 0.0), 4),
    }
