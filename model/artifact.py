"""A trained model directory: what is in it, how it is written and how it is read back offline.

Layout: `framing.json` (name, version, window settings, arithmetic), `config.json` (encoder
architecture), `weights.safetensors` (fp16, run in int8 when the manifest's `quantization` says so),
`thresholds.json`, tokenizer files, `metrics.json` and `MODEL_CARD.md`; `tfidf.json` and
`tfidf.safetensors` hold the
TF-IDF model trained beside it (the baseline, and the lexical half of the ensemble when
`lexical_weight` > 0).
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

import torch
from safetensors.torch import load_file, save_file
from transformers import AutoTokenizer

from framing.model.errors import FramingError
from framing.model.network import FramingNetwork
from framing.model.quantization import QUANTIZATIONS, quantize
from framing.model.thresholds import Thresholds

SHIPPED_MODEL_DIR = Path(__file__).resolve().parent / "shipped"
MANIFEST = "framing.json"
WEIGHTS = "weights.safetensors"
THRESHOLDS = "thresholds.json"
METRICS = "metrics.json"


class ModelLoadError(FramingError, RuntimeError):
    """The model directory is missing, incomplete or from an incompatible version."""


@dataclass
class Manifest:
    name: str = "framing-minilm"
    version: str = "0.0.0"
    window_length: int = 254
    stride: int = 190
    frame_sharpness: float = 4.0
    # Whether the sentence and frame heads read a summary of the whole article (model.network).
    article_context: bool = False
    # Weight of the TF-IDF model (tfidf.json, tfidf.safetensors) in the sentence and frame scores; 0 = network only.
    lexical_weight: float = 0.0
    # Arithmetic the network is served in (see model.quantization); the thresholds were fitted to it.
    quantization: str = "none"
    encoder: str = "sentence-transformers/all-MiniLM-L6-v2"
    extra: dict = field(default_factory=dict)

    def save(self, directory: Path) -> None:
        (directory / MANIFEST).write_text(json.dumps(asdict(self), indent=2) + "\n", encoding="utf-8")

    @classmethod
    def load(cls, directory: Path) -> Manifest:
        raw = json.loads((directory / MANIFEST).read_text(encoding="utf-8"))
        known = {key: raw[key] for key in cls.__dataclass_fields__ if key in raw}
        return cls(**known)


def save_model(directory: Path, network: FramingNetwork, tokenizer, manifest: Manifest,
               thresholds: Thresholds) -> None:
    """Weights go out in fp16: half the size, and no measurable change in the decisions."""
    directory.mkdir(parents=True, exist_ok=True)
    state = {key: value.detach().to(torch.float16).contiguous() for key, value in network.state_dict().items()}
    save_file(state, str(directory / WEIGHTS))
    network.encoder.config.save_pretrained(directory)
    tokenizer.save_pretrained(directory)
    manifest.save(directory)
    thresholds.save(directory / THRESHOLDS)


def require_model_files(directory: Path) -> None:
    """Refuses a folder that is not a trained model before anything reads from it."""
    directory = Path(directory)
    missing = [name for name in (MANIFEST, WEIGHTS, THRESHOLDS, "config.json") if not (directory / name).is_file()]
    if missing:
        raise ModelLoadError(f"{directory} is not a framing model directory (missing {', '.join(missing)})")


def load_network(directory: Path, trainable: bool = False) -> tuple[FramingNetwork, object, Manifest, Thresholds]:
    """The network as the model serves it, or with float weights when `trainable` (to fine-tune
    or recalibrate it: quantised layers cannot learn)."""
    directory = Path(directory)
    require_model_files(directory)
    manifest = Manifest.load(directory)
    if manifest.quantization not in QUANTIZATIONS:
        raise ModelLoadError(f"{directory}: unknown quantization {manifest.quantization!r} in {MANIFEST}; "
                             f"this version knows {', '.join(QUANTIZATIONS)}")
    network = FramingNetwork.from_config(str(directory), frame_sharpness=manifest.frame_sharpness,
                                         article_context=manifest.article_context)
    state = {key: value.float() for key, value in load_file(str(directory / WEIGHTS)).items()}
    try:
        network.load_state_dict(state)
    except RuntimeError as error:
        raise ModelLoadError(f"{directory}: weights do not fit the network: {error}") from error
    tokenizer = AutoTokenizer.from_pretrained(str(directory))
    network = network.eval() if trainable else quantize(network.eval(), manifest.quantization, inplace=True)
    return network, tokenizer, manifest, Thresholds.load(directory / THRESHOLDS)
