"""Sentence frames from the sentence's own words (issue 20).

The network's sentence frame head reads contextual token states, which carry the whole window, so
its sentence scores mostly repeat the article's frames. This model sees one sentence only: the
mean and the SIF-weighted mean (Arora et al. 2017: weight a / (a + p(token)), minus the common
component) of the static input embeddings of its word pieces, taken from the served network's own
`embeddings.word_embeddings` table (no second encoder pass), optionally with the TF-IDF model's
frame scores of the sentence text. A small head maps these to one logit per frame; it is trained by
multiple-instance learning from article labels (`training.sentence_frames`).

Scores are served shifted so that every frame's calibrated threshold sits at 0.5: a sentence's
frames are those scoring 0.5 or more, and its top frame is the one it passes by the widest margin,
comparable across frames whatever their base rates.

Saved as plain data (`sentence_frames.json`: settings and thresholds; `sentence_frames.safetensors`:
arrays), never a pickle.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
import torch
from scipy.special import expit

from framing.model.array_files import read_frame_arrays, save_frame_arrays
from framing.model.errors import FramingError
from framing.model.layout import SENTENCE_FRAME_ARRAYS, SENTENCE_FRAME_SETTINGS
from framing.model.scores import DocumentScores, PreparedText, Scorer
from framing.model.taxonomy import FRAMES

FORMAT = "framing-sentence-frames/1"
ARRAY_NAMES = ("token_weight", "common", "feature_mean", "feature_scale", "hidden.weight", "hidden.bias",
               "output.weight", "output.bias")


class SentenceFrameFormatError(FramingError, ValueError):
    """The saved sentence-frame files are missing, inconsistent or of an unknown format."""


@dataclass
class SentenceFrameModel:
    """Features of one sentence to one calibrated score per frame."""

    arrays: dict[str, np.ndarray]
    thresholds: np.ndarray  # [frames] on the head's sigmoid, before the shift to 0.5
    lexical: bool = False  # whether the TF-IDF frame scores of the sentence are features
    settings: dict[str, Any] = field(default_factory=dict)  # how it was fitted, for the model card

    # ------------------------------------------------------------------------------ features

    def embed(self, token_ids: list[np.ndarray], table: np.ndarray) -> np.ndarray:
        """[sentences, 2 * dim]: mean and SIF-weighted mean (common component removed) of the
        static embeddings of each sentence's word pieces."""
        return embed_sentences(token_ids, table, self.arrays["token_weight"], self.arrays["common"])

    def logits(self, features: np.ndarray) -> np.ndarray:
        # The products run in torch, on the threads the network already uses: numpy's BLAS keeps
        # threads of its own spinning after each call, and they slowed the network's next pass by
        # a third (0.155 s to 0.21 s for a 1,000-word article, benchmarks/bench_model.py).
        a = self.arrays
        x = torch.from_numpy(np.ascontiguousarray((features - a["feature_mean"]) / a["feature_scale"],
                                                  dtype=np.float32))
        def t(name: str) -> torch.Tensor:
            return torch.as_tensor(a[name], dtype=torch.float32)

        with torch.no_grad():
            if a["hidden.weight"].size:
                x = torch.relu(x @ t("hidden.weight").T + t("hidden.bias"))
            out = x @ t("output.weight").T + t("output.bias")
        return out.numpy().astype(np.float32)

    def calibrated(self, logits: np.ndarray) -> np.ndarray:
        """Scores with each frame's threshold moved to 0.5 (a shift of the logit)."""
        shift = np.log(self.thresholds) - np.log1p(-self.thresholds)
        return expit(logits - shift).astype(np.float32)

    # ---------------------------------------------------------------------------------- files

    def save(self, directory: Path) -> None:
        settings = {"format": FORMAT, "lexical": self.lexical,
                    "thresholds": {name: round(float(t), 6) for name, t in zip(FRAMES, self.thresholds, strict=True)},
                    "fit": self.settings}
        save_frame_arrays(directory, SENTENCE_FRAME_SETTINGS, SENTENCE_FRAME_ARRAYS, settings, self.arrays,
                          ARRAY_NAMES)

    @classmethod
    def load(cls, directory: Path) -> SentenceFrameModel:
        settings, arrays = read_frame_arrays(directory, SENTENCE_FRAME_SETTINGS, SENTENCE_FRAME_ARRAYS, FORMAT,
                                             "sentence-frame model", SentenceFrameFormatError)
        missing = [name for name in ARRAY_NAMES if name not in arrays]
        thresholds = settings.get("thresholds")
        if missing or not isinstance(thresholds, dict) or set(thresholds) != set(FRAMES):
            raise SentenceFrameFormatError(f"{directory}: the sentence-frame files are incomplete "
                                           f"(arrays missing: {', '.join(missing) or 'none'})")
        values = np.array([float(thresholds[name]) for name in FRAMES])
        if not np.all((values > 0) & (values < 1)):
            raise SentenceFrameFormatError(f"{directory / SENTENCE_FRAME_SETTINGS}: thresholds must lie in (0, 1)")
        model = cls(dict(arrays), values, bool(settings.get("lexical", False)), dict(settings.get("fit") or {}))
        model.check_shapes(str(directory))
        return model

    def check_shapes(self, where: str) -> None:
        a = self.arrays
        dim = a["common"].shape[0]
        width = 2 * dim + (len(FRAMES) if self.lexical else 0)
        hidden = a["hidden.weight"].shape[0] if a["hidden.weight"].size else width
        expected = {"feature_mean": (width,), "feature_scale": (width,), "output.weight": (len(FRAMES), hidden),
                    "output.bias": (len(FRAMES),)}
        if a["hidden.weight"].size:
            expected.update({"hidden.weight": (hidden, width), "hidden.bias": (hidden,)})
        for name, shape in expected.items():
            if a[name].shape != shape:
                raise SentenceFrameFormatError(f"{where}: sentence-frame array {name} has shape {a[name].shape}, "
                                               f"expected {shape}")


def embed_sentences(token_ids: list[np.ndarray], table: np.ndarray, token_weight: np.ndarray,
                    common: np.ndarray) -> np.ndarray:
    """Mean and SIF mean of each sentence's static embeddings (zeros for a sentence without tokens)."""
    dim = table.shape[1]
    out = np.zeros((len(token_ids), 2 * dim), dtype=np.float32)
    for s, ids in enumerate(token_ids):
        if len(ids) == 0:
            continue
        vectors = table[ids]
        weights = token_weight[ids]
        out[s, :dim] = vectors.mean(axis=0)
        out[s, dim:] = (weights[:, None] * vectors).sum(axis=0) / max(float(weights.sum()), 1e-6)
    if np.any(common):
        sif = out[:, dim:]
        out[:, dim:] = sif - np.outer((sif * common).sum(axis=1), common)  # no BLAS call: see logits
    return out


def plain_encoding(tokenizer, text: str):
    """The backend tokenizer's encoding of the whole text: no special tokens, no truncation, no padding.

    The backend keeps whatever truncation and padding it was last set to: MiniLM's saved tokenizer
    pads and cuts everything to 128 pieces until a `tokenizer(...)` call resets it (each such call sets
    its own), so both are switched off here rather than trusted.
    """
    backend = tokenizer.backend_tokenizer
    if backend.truncation is not None:
        backend.no_truncation()
    if backend.padding is not None:
        backend.no_padding()
    return backend.encode(text, add_special_tokens=False)


def text_encoding(prepared: PreparedText, tokenizer):
    """`plain_encoding` of the prepared text, computed once per tokenizer and kept with the text: three
    models of a served folder read it, and an encode of a 1,000-word article takes about 2 ms."""
    encoding = prepared.encodings.get(tokenizer)
    if encoding is None:
        encoding = prepared.encodings[tokenizer] = plain_encoding(tokenizer, prepared.text)
    return encoding


def sentence_token_ids(prepared: PreparedText, tokenizer) -> list[np.ndarray]:
    """The word pieces of each sentence (no special tokens): the text is tokenized once and each
    piece goes to the sentence its first character lies in.

    WordPiece splits words the same whether a sentence is tokenized alone or inside its text, so
    these are the pieces of each sentence on its own. One encode of the text, not a batch of
    sentences: the tokenizer's batch call starts its own thread pool, which then competed with
    torch's threads and slowed the network's pass by about a third (0.16 s to 0.23 s for a
    1,000-word article, benchmarks/bench_model.py).
    """
    if not prepared.sentences:
        return []
    encoding = text_encoding(prepared, tokenizer)
    ids = np.asarray(encoding.ids, dtype=np.int64)
    starts = np.asarray([start for start, _ in encoding.offsets], dtype=np.int64)
    bounds = np.asarray([s.start for s in prepared.sentences], dtype=np.int64)
    sentence_of = np.searchsorted(bounds, starts, side="right") - 1
    ends = np.asarray([s.end for s in prepared.sentences], dtype=np.int64)
    inside = (sentence_of >= 0) & (starts < ends[np.maximum(sentence_of, 0)])
    return [ids[inside & (sentence_of == k)] for k in range(len(prepared.sentences))]


class SentenceFrameScorer:
    """Wraps the served scorer: article frames, techniques and spans stay its own; sentence frames
    become the sentence model's calibrated scores."""

    own_sentence_frames = True  # read by `Analyzer`: decide sentence frames at 0.5, see model.decoding

    def __init__(self, base: Scorer, model: SentenceFrameModel, tokenizer, table: np.ndarray,
                 lexical: Scorer | None = None) -> None:
        if model.lexical and lexical is None:
            raise SentenceFrameFormatError("the sentence-frame model reads TF-IDF frame scores, "
                                           "but the model folder has no TF-IDF model")
        self.base = base
        self.model = model
        self.tokenizer = tokenizer
        self.table = table
        self.lexical = lexical
        self.name = getattr(base, "name", "scorer")

    def sentence_logits(self, documents: list[PreparedText]) -> list[np.ndarray]:
        features = [self.model.embed(sentence_token_ids(p, self.tokenizer), self.table) for p in documents]
        if self.model.lexical and self.lexical is not None:
            lexical = self.lexical.score(documents)
            features = [np.hstack([f, lexical_features(x.sentence_frames)]) for f, x in zip(features, lexical,
                                                                                            strict=True)]
        return [self.model.logits(f) for f in features]

    def score(self, documents: list[PreparedText]) -> list[DocumentScores]:
        scores = self.base.score(documents)
        return [replace(s, sentence_frames=self.model.calibrated(logits))
                for s, logits in zip(scores, self.sentence_logits(documents), strict=True)]


def lexical_features(probabilities: np.ndarray) -> np.ndarray:
    """TF-IDF frame probabilities as logits, so the head reads them on a linear scale."""
    p = np.clip(probabilities, 1e-4, 1 - 1e-4)
    return (np.log(p) - np.log1p(-p)).astype(np.float32)
