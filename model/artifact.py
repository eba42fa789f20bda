"""Names kept for callers written before `model.folder`: new code uses `ModelFolder` directly.

`save_model`, `load_network` and `require_model_files` are `ModelFolder.save`, `.load_network` and
`.require_files`; the file names live in `model.layout`, the manifest in `model.manifest`.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from framing.model.folder import SHIPPED_MODEL_DIR, ModelFolder, ModelLoadError
from framing.model.layout import ENCODER_CONFIG, MANIFEST, METRICS, THRESHOLDS, WEIGHTS
from framing.model.manifest import Manifest
from framing.model.thresholds import Thresholds

if TYPE_CHECKING:
    from transformers import PreTrainedTokenizerBase

    from framing.model.network import FramingNetwork

__all__ = ["ENCODER_CONFIG", "MANIFEST", "METRICS", "SHIPPED_MODEL_DIR", "THRESHOLDS", "WEIGHTS", "Manifest",
           "ModelLoadError", "load_network", "require_model_files", "save_model"]


def save_model(directory: Path, network: FramingNetwork, tokenizer: PreTrainedTokenizerBase, manifest: Manifest,
               thresholds: Thresholds) -> None:
    ModelFolder(directory).save(network, tokenizer, manifest, thresholds)


def require_model_files(directory: Path) -> None:
    ModelFolder(directory).require_files()


def load_network(directory: Path, trainable: bool = False) -> tuple[FramingNetwork, PreTrainedTokenizerBase,
                                                                     Manifest, Thresholds]:
    return ModelFolder(directory).load_network(trainable=trainable)
