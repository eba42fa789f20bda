"""The manifest (`framing.json`): what a model folder needs to be served the way it was calibrated."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

from framing.model.ensemble import LexicalShares
from framing.model.files import write_atomic
from framing.model.layout import MANIFEST
from framing.model.taxonomy import FRAMES, TECHNIQUES


@dataclass
class Manifest:
    name: str = "framing-minilm"
    version: str = "0.0.0"
    window_length: int = 254
    stride: int = 190
    frame_sharpness: float = 4.0
    # Whether the sentence and frame heads read a summary of the whole article (model.network).
    article_context: bool = False
    # Weight of the TF-IDF model (tfidf.json, tfidf.safetensors) in the sentence-technique scores, and
    # in the frame scores unless frame_lexical_weight is set (None in folders before 2.2.0); 0 = network only.
    lexical_weight: float = 0.0
    frame_lexical_weight: float | None = None
    # Share of the article-frame embedding model (article_frames.*) in the article-frame scores; 0 = none.
    article_frame_weight: float = 0.0
    # Share of the sentence-technique embedding model (sentence_techniques.*) in the sentence-technique
    # scores, after the TF-IDF share; 0 = none.
    sentence_technique_weight: float = 0.0
    # Arithmetic the network is served in (see model.quantization); the thresholds were fitted to it.
    quantization: str = "none"
    encoder: str = "sentence-transformers/all-MiniLM-L6-v2"
    # The label names in the order of the network's outputs; None in folders written before the
    # order was recorded (those are read as if they had this version's order).
    techniques: list[str] | None = field(default_factory=lambda: list(TECHNIQUES))
    frames: list[str] | None = field(default_factory=lambda: list(FRAMES))
    extra: dict = field(default_factory=dict)

    def save(self, directory: Path) -> None:
        write_atomic(directory / MANIFEST, json.dumps(asdict(self), indent=2) + "\n")

    @classmethod
    def load(cls, directory: Path) -> Manifest:
        raw = json.loads((directory / MANIFEST).read_text(encoding="utf-8"))
        if not isinstance(raw, dict):
            raise ValueError(f"{directory / MANIFEST}: not a JSON object")
        known = {key: raw[key] for key in cls.__dataclass_fields__ if key in raw}
        known.setdefault("techniques", None)
        known.setdefault("frames", None)
        return cls(**known)

    def lexical_shares(self) -> LexicalShares:
        return LexicalShares.of(self.lexical_weight, self.frame_lexical_weight)

    def label_order_problem(self) -> str | None:
        """Why the recorded label order does not fit this version's taxonomy (None when it does).

        The network's outputs are read by index, so a folder trained with the labels in another order
        would name every decision wrongly without any error.
        """
        for kind, recorded, current in (("technique", self.techniques, TECHNIQUES), ("frame", self.frames, FRAMES)):
            if recorded is None:
                continue
            if not isinstance(recorded, list) or not all(isinstance(name, str) for name in recorded):
                return f"its {kind} labels are not a list of names"
            if recorded == list(current):
                continue
            if len(recorded) != len(current):
                return f"it records {len(recorded)} {kind} labels, this version has {len(current)}"
            index = next(i for i, (old, new) in enumerate(zip(recorded, current, strict=True)) if old != new)
            return (f"its {kind} labels are in another order (position {index}: {recorded[index]!r} there, "
                    f"{current[index]!r} in this version)")
        return None
