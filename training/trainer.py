"""The optimisation loop of one training run: losses, optimizer, schedule, checkpoints, resume.

One optimizer step sees one whole article (all its windows), so the article-level frame loss and
the token/sentence losses share a forward pass. A checkpoint is written every few steps; a new
`Trainer` on the same work folder continues from it. A finished run leaves its network (no optimizer
state) in the work folder, so a rerun, or a run on another machine whose work folder was copied
over, picks the trained network up instead of training again. Packaging the result (calibration, metrics,
the model folder) is not the trainer's business: see `training.packaging`.
"""

from __future__ import annotations

import json
import logging
import math
import random
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import torch
from safetensors.torch import load as load_tensors
from safetensors.torch import save as save_tensors
from torch import nn

from framing.model.files import atomic_writer, write_atomic
from framing.model.network import FramingNetwork
from framing.model.neural_scorer import NeuralScorer
from framing.model.schema import ModelInfo
from framing.model.scores import DocumentScores, PreparedText
from framing.model.span_memory import SpanMemory
from framing.model.taxonomy import FRAMES, TECHNIQUES
from framing.training.config import TrainConfig
from framing.training.dataset import Example, build_example, positive_weights
from framing.training.distillation import ClassWeights, distil
from framing.training.documents import Document
from framing.training.errors import TrainingError
from framing.training.evaluate import cross_fitted
from framing.training.reports import SystemReport

log = logging.getLogger("framing.train")
CHECKPOINT = "checkpoint.pt"
FINISHED = "finished.safetensors"  # the trained network's weights, once the last step is done
FINISHED_RECORD = "finished.json"  # the settings and per-epoch history that go with them (written last)


def crop(example: Example, max_windows: int, rng: random.Random) -> Example:
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
        weights = [head.pos_weight for head in (self.token, self.sentence, self.frame)]
        return ClassWeights(*(w.cpu().numpy() for w in weights if w is not None))

    def forward(self, output: Any, example: Example) -> torch.Tensor:
        targets, masks = [], []
        width = output.token_logits.shape[1]
        for start, end in example.encoded.windows:
            target = np.zeros((width, len(TECHNIQUES)), dtype=np.float32)
            mask = np.zeros((width, 1), dtype=np.float32)
            target[1 : 1 + end - start] = example.token_labels[start:end]
            mask[1 : 1 + end - start] = 1
            targets.append(target)
            masks.append(mask)
        device = output.token_logits.device
        target_tensor = torch.from_numpy(np.stack(targets)).to(device)
        mask_tensor = torch.from_numpy(np.stack(masks)).to(device)
        token_loss = ((self.token(output.token_logits, target_tensor) * mask_tensor).sum()
                      / (mask_tensor.sum() * len(TECHNIQUES)))
        loss = self.config.token_loss_weight * token_loss
        if len(example.sentence_labels):
            loss = loss + self.config.sentence_loss_weight * self.sentence(
                output.sentence_logits[0], torch.from_numpy(example.sentence_labels).to(device))
        if example.frame_labels is not None:
            loss = loss + self.config.frame_loss_weight * self.frame(
                output.article_frame_logits[0], torch.from_numpy(example.frame_labels).to(device))
        return loss


def _optimizer(network: FramingNetwork, config: TrainConfig) -> torch.optim.Optimizer:
    encoder = [p for n, p in network.named_parameters() if n.startswith("encoder.")]
    heads = [p for n, p in network.named_parameters() if not n.startswith("encoder.")]
    return torch.optim.AdamW([{"params": encoder, "lr": config.encoder_lr},
                              {"params": heads, "lr": config.head_lr}], weight_decay=config.weight_decay)


def _warmup_then_linear(warmup: int, total: int, step: int) -> float:
    if step < warmup:
        return (step + 1) / warmup
    return max(0.0, (total - step) / max(1, total - warmup))


def _schedule(optimizer: torch.optim.Optimizer, total: int,
              warmup_fraction: float) -> torch.optim.lr_scheduler.LambdaLR:
    warmup = max(1, int(total * warmup_fraction))
    return torch.optim.lr_scheduler.LambdaLR(optimizer, lambda step: _warmup_then_linear(warmup, total, step))


def score_documents(network: FramingNetwork, tokenizer: Any, config: TrainConfig, documents: Sequence[Document],
                    memory: SpanMemory | None = None) -> tuple[list[PreparedText], list[DocumentScores]]:
    """The network's scores on `documents`, its loaded-word scores blended with `memory`'s when given
    (switches the network to eval mode)."""
    prepared = [PreparedText.from_text(d.text) for d in documents]
    scorer = NeuralScorer(network, tokenizer, config.window_length, config.stride, memory=memory)
    return prepared, scorer.score(prepared)


def weighted_articles(train_docs: Sequence[Document], fresh_ids: set[str],
                      config: TrainConfig) -> list[Document]:
    """One epoch's articles: each fresh one `fresh_repeats` times, and a seeded sample of
    `replay_articles` known ones (all by default), so a few corrections are not drowned by the corpus
    and a correction round stays short."""
    fresh = [d for d in train_docs if d.id in fresh_ids]
    known = [d for d in train_docs if d.id not in fresh_ids]
    if config.replay_articles is not None and config.replay_articles < len(known):
        known = random.Random(config.seed).sample(known, config.replay_articles)
    if config.fresh_repeats == 1 and len(known) + len(fresh) == len(train_docs):
        return list(train_docs)  # unweighted: the articles in their order, as before these settings
    return known + fresh * config.fresh_repeats


class Trainer:
    """Fits a network to training articles, judging it on the held-out ones after every epoch.

    Holds everything a checkpoint restores (network, optimizer, schedule, step, history), so an
    interrupted `fit` continues where it stopped when the same work folder is used again.
    """

    def __init__(self, network: FramingNetwork, tokenizer: Any, config: TrainConfig,
                 examples: Sequence[Example], losses: Losses, heldout: Sequence[Document], work_dir: Path) -> None:
        self.network, self.tokenizer, self.config = network, tokenizer, config
        self.examples, self.losses, self.heldout = list(examples), losses, list(heldout)
        self.optimizer = _optimizer(network, config)
        self.steps_per_epoch = len(self.examples)
        self.total = config.max_steps or math.ceil(config.epochs * self.steps_per_epoch)
        self.scheduler = _schedule(self.optimizer, self.total, config.warmup_fraction)
        self.step = 0
        self.history: list[dict[str, Any]] = []
        self.checkpoint = work_dir / CHECKPOINT
        self.finished = work_dir / FINISHED
        self.finished_record = work_dir / FINISHED_RECORD
        self.info = ModelInfo(name=config.name, version=config.version)

    @classmethod
    def for_documents(cls, network: FramingNetwork, tokenizer: Any, config: TrainConfig,
                      train_docs: Sequence[Document], heldout: Sequence[Document], work_dir: Path,
                      fresh_ids: set[str] | None = None) -> Trainer:
        """Encodes the training articles, weighs the losses, and blends in a teacher if configured.

        With `fresh_ids` (a fine-tuning run), fresh annotations are repeated and the rest replayed
        as `weighted_articles` says."""
        if fresh_ids is not None:
            train_docs = weighted_articles(train_docs, fresh_ids, config)
            if not train_docs:
                raise TrainingError("nothing to train on: no fresh annotations and replay_articles is 0")
        examples = [build_example(d, tokenizer, config.window_length, config.stride) for d in train_docs]
        losses = Losses(examples, config)  # class weights from the gold labels, before any blending
        if config.teacher_path:
            examples = distil(examples, Path(config.teacher_path), config.distillation_weight, work_dir,
                              losses.class_weights())
        return cls(network, tokenizer, config, examples, losses, heldout, work_dir)

    def _check_config(self, recorded: dict[str, Any], path: Path) -> None:
        # Compared as configs, so a checkpoint from before a setting existed matches its default.
        # Threads and device are how fast, not what, a run trains: a run may resume with others.
        if TrainConfig(**recorded).training_settings() != self.config.training_settings():
            raise TrainingError(f"{path} was written with another configuration; remove it to start over")

    def resume_finished(self) -> bool:
        """Take the finished network from the work folder, if a run of this configuration left one."""
        if not self.finished_record.is_file():
            return False
        record = json.loads(self.finished_record.read_text(encoding="utf-8"))
        self._check_config(record["config"], self.finished_record)
        state = load_tensors(self.finished.read_bytes())
        # Float weights may come back in fp16 (a run copied over from a GPU machine travels so).
        self.network.load_state_dict({name: tensor.float() if tensor.is_floating_point() else tensor
                                      for name, tensor in state.items()})
        self.step, self.history = record["step"], record["history"]
        log.info("training finished earlier (step %d of %d): using the trained network", self.step, self.total)
        return True

    def save_finished(self) -> None:
        """The trained network (weights only) and its history; the checkpoint is no longer needed."""
        state = {name: tensor.detach().cpu().contiguous() for name, tensor in self.network.state_dict().items()}
        write_atomic(self.finished, save_tensors(state))
        write_atomic(self.finished_record, json.dumps(
            {"config": self.config.model_dump(), "step": self.step, "history": self.history}, indent=2))
        self.checkpoint.unlink(missing_ok=True)

    def resume(self) -> None:
        """Continue from the work folder's checkpoint, if there is one of this configuration."""
        if not self.checkpoint.is_file():
            return
        state = torch.load(self.checkpoint, weights_only=False, map_location="cpu")
        self._check_config(state["config"], self.checkpoint)
        self.network.load_state_dict(state["network"])
        self.optimizer.load_state_dict(state["optimizer"])
        self.scheduler.load_state_dict(state["scheduler"])
        self.step, self.history = state["step"], state["history"]
        random.setstate(state["python_rng"])
        torch.set_rng_state(state["torch_rng"])
        log.info("resuming from step %d of %d", self.step, self.total)

    def save_checkpoint(self) -> None:
        with atomic_writer(self.checkpoint) as handle:  # a kill mid-write leaves the previous checkpoint
            torch.save({"config": self.config.model_dump(), "network": self.network.state_dict(),
                        "optimizer": self.optimizer.state_dict(), "scheduler": self.scheduler.state_dict(),
                        "step": self.step, "history": self.history, "python_rng": random.getstate(),
                        "torch_rng": torch.get_rng_state()}, handle)

    def fit(self) -> list[dict[str, Any]]:
        """Train to the last step; returns the per-epoch held-out history. Leaves the network in eval
        mode, on the CPU."""
        if self.resume_finished():
            self.network.eval()
            return self.history
        self._to(torch.device(self.config.device))
        self.resume()
        config, steps_per_epoch = self.config, self.steps_per_epoch
        self.network.train()
        started, running = time.time(), []
        while self.step < self.total:
            running.append(self._train_step())
            step = self.step
            if step % 10 == 0 or step == self.total:
                log.info("step %d/%d epoch %.2f loss %.4f (%.1f s)", step, self.total, step / steps_per_epoch,
                         float(np.mean(running[-50:])), time.time() - started)
            if step % config.checkpoint_every == 0 or step == self.total:
                self.save_checkpoint()
            if step % steps_per_epoch == 0 and step < self.total and self.heldout:  # none: a model trained on all
                report = self.evaluate()
                self.history.append({"step": step, "epoch": step / steps_per_epoch, **report.summary().model_dump()})
                log.info("held-out after epoch %d: %s", step // steps_per_epoch, self.history[-1])
                self.save_checkpoint()
        self._to(torch.device("cpu"))
        self.save_finished()
        self.network.eval()
        return self.history

    def _to(self, device: torch.device) -> None:
        """Network and loss weights on `device`; a checkpoint's optimizer state follows the parameters."""
        self.network.to(device)
        self.losses.to(device)

    def _train_step(self) -> float:
        config, network, tokenizer = self.config, self.network, self.tokenizer
        epoch, position = divmod(self.step, self.steps_per_epoch)
        order = list(range(self.steps_per_epoch))
        random.Random(config.seed + epoch).shuffle(order)
        crop_rng = random.Random(config.seed * 1000 + self.step)
        example = crop(self.examples[order[position]], config.max_windows_per_step, crop_rng)
        result = network([example.encoded], tokenizer.cls_token_id, tokenizer.sep_token_id, tokenizer.pad_token_id)
        loss = self.losses(result, example)
        self.optimizer.zero_grad()
        loss.backward()
        nn.utils.clip_grad_norm_(network.parameters(), 1.0)
        self.optimizer.step()
        self.scheduler.step()
        self.step += 1
        return float(loss.item())

    def evaluate(self) -> SystemReport:
        """Cross-fitted held-out figures of the network as it is now (one deal: per-epoch figures)."""
        prepared, scores = score_documents(self.network, self.tokenizer, self.config, self.heldout)
        self.network.train()
        report, _ = cross_fitted(self.heldout, prepared, scores, self.info, seed=self.config.seed,
                                 growth=self.config.span_growth())
        return report
