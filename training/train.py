"""`train`: one training run end to end, resumable, seeded, and self-evaluating.

It splits the articles, builds the network (from a pretrained encoder or a trained model), lets a
`Trainer` fit it, and packages the result into a model folder (`training.packaging`). Re-running
the same call continues from the run's last checkpoint.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import torch
from transformers import AutoTokenizer

from framing.model.encoder import pretrained_encoder_path
from framing.model.folder import ModelFolder
from framing.model.layout import ENCODER_CONFIG
from framing.model.manifest import Manifest
from framing.model.network import FramingNetwork
from framing.training.config import AUXILIARY_FORMATS, TrainConfig
from framing.training.documents import Document
from framing.training.errors import TrainingError
from framing.training.lineage import fresh_documents, lineage_split, read_lineage, record_lineage
from framing.training.packaging import package_model
from framing.training.reports import TrainingMetrics
from framing.training.sentence_frame_fit import plan_sentence_frames
from framing.training.split import split_documents
from framing.training.trainer import Trainer
from framing.training.word_stack import lexicon_only, with_fresh_words

log = logging.getLogger("framing.train")


def seed_everything(seed: int) -> None:
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


def initial_network(config: TrainConfig, init_from: Path | None) -> tuple[FramingNetwork, Any, str]:
    """The network to start from, its tokenizer and the encoder name the model will record."""
    if init_from:
        network, tokenizer, init_manifest, _ = ModelFolder(init_from).load_network(trainable=True)
        if network.article_context and not config.article_context:
            raise TrainingError(f"{init_from} reads article context; keep \"article_context\": true "
                                "to train it further")
        if config.article_context:
            network.add_article_context()
        network.train()
        return network, tokenizer, init_manifest.encoder
    encoder_path = config.encoder_path or str(pretrained_encoder_path())
    if not (Path(encoder_path) / ENCODER_CONFIG).is_file():
        raise TrainingError(f"encoder_path {encoder_path} is not a pretrained encoder folder (no config.json)")
    encoder_name = Path(config.encoder_path).name if config.encoder_path else Manifest.encoder
    network = FramingNetwork.from_pretrained(encoder_path, frame_sharpness=config.frame_sharpness,
                                             article_context=config.article_context)
    return network, AutoTokenizer.from_pretrained(encoder_path), encoder_name


def train(documents: Sequence[Document], output: Path, config: TrainConfig,
          init_from: Path | None = None, work_dir: Path | None = None,
          sources: Sequence[dict] = ()) -> TrainingMetrics:
    """Train, calibrate on held-out articles, and write a complete model directory to `output`.

    With `init_from`, the held-out articles are the lineage's (`training.lineage`): none that the
    model started from, or its ancestors, trained on."""
    if config.threads:
        torch.set_num_threads(config.threads)
    documents, counted = lexicon_only(documents, config.lexicon_only_formats)
    if counted:  # only `framing crossval` fits a word stack, the one thing they are for
        log.info("%d documents of %s not trained on (lexicon_only_formats)", len(counted),
                 ", ".join(config.lexicon_only_formats))
    seed_everything(config.seed)
    work_dir = work_dir or output.with_name(output.name + ".work")
    work_dir.mkdir(parents=True, exist_ok=True)
    lineage = read_lineage(init_from) if init_from else None
    sentence_frames = plan_sentence_frames(config, init_from)
    if lineage is None:
        train_docs, heldout_docs = split_documents(documents, config.heldout_fraction, config.seed,
                                                   config.train_only_formats)
    else:
        train_docs, heldout_docs = lineage_split(documents, config.heldout_fraction, config.seed, lineage,
                                                 config.train_only_formats)
    if not train_docs or not heldout_docs:
        raise TrainingError(f"need at least 2 annotated articles to train and calibrate, got {len(documents)}")
    log.info("%d training articles, %d held out", len(train_docs), len(heldout_docs))

    network, tokenizer, encoder_name = initial_network(config, init_from)
    fresh_ids = {d.id for d in fresh_documents(documents, lineage)} if lineage else None
    trainer = Trainer.for_documents(network, tokenizer, config, train_docs, heldout_docs, work_dir,
                                    fresh_ids=fresh_ids)
    history = trainer.fit()
    # A descendant keeps the sentence stack of the model it was fine-tuned from: it has no out-of-fold
    # scores to fit one, and the stack reads the same parts of a slightly moved network. Its word
    # stack's lexicon counts the fresh training annotations too (never the held-out ones, nor the
    # auxiliary corpora's marks, which follow other schemes).
    stack = ModelFolder(init_from).sentence_stack() if init_from else None
    if stack is not None and stack.words is not None and fresh_ids:
        fresh_training = [d for d in train_docs if d.id in fresh_ids and d.kind not in AUXILIARY_FORMATS]
        stack = with_fresh_words(stack, fresh_training)
        log.info("word stack lexicon: %d fresh training documents counted", len(fresh_training))
    metrics = package_model(network, tokenizer, config, encoder_name, documents, train_docs, heldout_docs, output,
                            history, sources, sentence_frames=sentence_frames, stack=stack)
    if lineage is not None:
        metrics = record_lineage(output, metrics, config, lineage, train_docs, heldout_docs)
    return metrics
