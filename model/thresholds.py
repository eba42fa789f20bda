"""Per-label decision thresholds, calibrated on held-out articles and stored beside the weights."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from model.taxonomy import FRAMES, TECHNIQUES


@dataclass
class Thresholds:
    span: dict[str, float] = field(default_factory=lambda: dict.fromkeys(TECHNIQUES, 0.5))
    sentence: dict[str, float] = field(default_factory=lambda: dict.fromkeys(TECHNIQUES, 0.5))
    frame: dict[str, float] = field(default_factory=lambda: dict.fromkeys(FRAMES, 0.5))

    def span_array(self) -> np.ndarray:
        return np.array([self.span[name] for name in TECHNIQUES])

    def sentence_array(self) -> np.ndarray:
        return np.array([self.sentence[name] for name in TECHNIQUES])

    def frame_array(self) -> np.ndarray:
        return np.array([self.frame[name] for name in FRAMES])

    def save(self, path: Path) -> None:
        path.write_text(json.dumps(asdict(self), indent=2) + "\n", encoding="utf-8")

    @classmethod
    def load(cls, path: Path) -> Thresholds:
        raw = json.loads(path.read_text(encoding="utf-8"))
        thresholds = cls()
        for kind, labels in (("span", TECHNIQUES), ("sentence", TECHNIQUES), ("frame", FRAMES)):
            values = raw.get(kind, {})
            missing = [name for name in labels if name not in values]
            if missing:
                raise ValueError(f"{path}: {kind} thresholds missing for {', '.join(missing)}")
            setattr(thresholds, kind, {name: float(values[name]) for name in labels})
        return thresholds
