"""Per-label decision thresholds, calibrated on held-out articles and stored beside the weights.

Each technique also records the unit its spans are cut in. Short techniques (Loaded_Language,
Name_Calling) are tagged word by word; techniques whose annotations cover whole clauses (Doubt,
Causal_Oversimplification, Appeal_to_Authority, ...) are better served by marking the sentence the
sentence head flags, since a word tagger lights up only fragments of them. Calibration picks the
unit per technique on held-out articles.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from framing.model.errors import FramingError
from framing.model.files import write_atomic
from framing.model.taxonomy import FRAMES, TECHNIQUES

WORD, SENTENCE = "word", "sentence"
SPAN_UNITS = (WORD, SENTENCE)


@dataclass(frozen=True)
class SpanGrowth:
    """How far a word-unit span reaches past the words that pass its threshold
    (`model.decoding.run_bounds`; the shipped choice is `model.decoding.SPAN_GROWTH`)."""

    extension: float = 1.0  # neighbours at or above this share of the threshold join the run
    bridge: int = 0  # runs this many connectives or punctuation marks apart or fewer, in one sentence, join

    def __post_init__(self) -> None:
        if isinstance(self.extension, bool) or not isinstance(self.extension, int | float) \
                or not 0.0 < self.extension <= 1.0:
            raise ValueError(f"span_growth: extension must be a number in (0, 1], got {self.extension!r}")
        if isinstance(self.bridge, bool) or not isinstance(self.bridge, int) or self.bridge < 0:
            raise ValueError(f"span_growth: bridge must be a whole number >= 0, got {self.bridge!r}")


@dataclass
class Thresholds:
    span: dict[str, float] = field(default_factory=lambda: dict.fromkeys(TECHNIQUES, 0.5))
    sentence: dict[str, float] = field(default_factory=lambda: dict.fromkeys(TECHNIQUES, 0.5))
    frame: dict[str, float] = field(default_factory=lambda: dict.fromkeys(FRAMES, 0.5))
    span_unit: dict[str, str] = field(default_factory=lambda: dict.fromkeys(TECHNIQUES, WORD))
    # The thresholds were fitted with this growth, so it travels with them; files calibrated
    # before 2.3 have none and grow nothing.
    span_growth: SpanGrowth = field(default_factory=SpanGrowth)

    def span_array(self) -> np.ndarray:
        return np.array([self.span[name] for name in TECHNIQUES])

    def span_units(self) -> list[str]:
        return [self.span_unit[name] for name in TECHNIQUES]

    def sentence_array(self) -> np.ndarray:
        return np.array([self.sentence[name] for name in TECHNIQUES])

    def frame_array(self) -> np.ndarray:
        return np.array([self.frame[name] for name in FRAMES])

    def save(self, path: Path) -> None:
        write_atomic(path, json.dumps(asdict(self), indent=2) + "\n")

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
        # Models calibrated before span units existed tag every technique word by word.
        units = raw.get("span_unit", {})
        unknown = sorted({unit for unit in units.values() if unit not in SPAN_UNITS})
        if unknown:
            raise ValueError(f"{path}: unknown span unit(s) {', '.join(unknown)}; expected one of "
                             f"{', '.join(SPAN_UNITS)}")
        thresholds.span_unit = {name: units.get(name, WORD) for name in TECHNIQUES}
        growth = raw.get("span_growth", {})
        if not isinstance(growth, dict) or set(growth) - {"extension", "bridge"}:
            raise ValueError(f"{path}: span_growth must be an object with 'extension' and 'bridge', got {growth!r}")
        try:
            thresholds.span_growth = SpanGrowth(**growth)
        except ValueError as error:
            raise ValueError(f"{path}: {error}") from None
        return thresholds


PRECISE, SENSITIVE = "precise", "sensitive"
OPERATING_POINTS = (PRECISE, SENSITIVE)


class OperatingPointError(FramingError, ValueError):
    """A request for an operating point the model does not have (or an unknown name)."""


@dataclass
class OperatingPoints:
    """The thresholds a model serves: `precise` (fitted for F1) and, when calibrated, `sensitive`
    (fitted for recall, see `training.calibrate.sensitive_thresholds`).

    A folder without sensitive thresholds refuses `sensitive` rather than serving the precise ones
    under its name: a reader who asked for more highlights must not be told they got them.
    """

    precise: Thresholds
    sensitive: Thresholds | None = None

    @property
    def available(self) -> tuple[str, ...]:
        return (PRECISE, SENSITIVE) if self.sensitive is not None else (PRECISE,)

    def choose(self, name: str) -> Thresholds:
        if name == PRECISE:
            return self.precise
        if name == SENSITIVE:
            if self.sensitive is None:
                raise OperatingPointError(
                    "this model has no 'sensitive' thresholds (it was calibrated before they existed); "
                    "use sensitivity 'precise', or recalibrate the model to get both")
            return self.sensitive
        raise OperatingPointError(f"unknown sensitivity {name!r}; expected one of {', '.join(OPERATING_POINTS)}")
