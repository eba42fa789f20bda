"""The promote gate's evidence: two versions' figures on the same held-out articles.

Recorded figures of two versions compare only when both were held out on the same articles (same
ids, same text) and both records are figures on those articles: a folder written by `framing
crossval` records its cross-validated figures over the other articles (its gate-set figures use
thresholds fitted elsewhere, not cross-fitted as a trained version's are), so it is always scored
again. Otherwise both are scored again on the held-out articles they have in common
(each with 2-fold cross-fitted thresholds, as in training), given the data; with none in common
there is nothing fair to compare and the gate refuses.

Scored again, both versions' per-article counts are resampled together (a paired bootstrap,
`training.metrics.paired_differences`), and a fall is refused only when it stands out of that noise:
the one-sided 95% bound of the difference lies below zero. Tens of held-out articles move a figure
by a point between any two versions, and refusing every such fall let a round through only by luck.
The falls inside the noise are reported as notes. Recorded figures carry no counts: there any fall
is refused.

Given the loaded-language probe's pairs, the gate also runs both versions on it (each at its own
precise point) and refuses one that loses more than `PROBE_ALLOWANCE` of the pairs: corpus figures
alone passed a round that stopped finding a quarter of the probe's loaded words (`training.loaded_probe`).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from framing.model.folder import ModelFolder
from framing.training.documents import Document
from framing.training.loaded_probe import LoadedPair, ProbeOutcome, probe_complaints
from framing.training.reports import Intervals

if TYPE_CHECKING:  # the registry (and so the CLI's parser) imports this module: no scikit-learn or torch here
    from framing.model.analyzer import Analyzer
    from framing.training.round_report import RoundFigures

# Metrics that must not fall for a version to replace the promoted one. Loaded_Language, the technique
# users come for, is watched on its own: a round once lost 0.04 of it (a fall beyond the paired noise)
# while the three micro-F1 figures held (docs/model-experiments.md, section 10).
GATE_METRICS = ("paragraph_micro_f1", "loaded_language_f1", "span_f1", "frame_micro_f1")


@dataclass
class Comparison:
    """The two versions' headline figures and on which articles they were obtained."""

    old: dict[str, float]
    new: dict[str, float]
    articles: int
    basis: str  # "recorded": the recorded figures (same held-out set); "rescored": scored again here
    probe: tuple[ProbeOutcome, ProbeOutcome] | None = None  # (old, new) on the loaded-language probe
    # new minus old, 90% paired bootstrap interval per figure (None for recorded figures: no counts)
    differences: Intervals | None = None

    def _falls(self, old_name: str) -> list[tuple[str, bool]]:
        """Each gate figure that fell: its description and whether it stands out of the paired noise."""
        where = f"{self.basis} on {self.articles} common held-out articles" if self.articles else self.basis
        falls = []
        for metric in GATE_METRICS:
            if metric not in self.old or self.new.get(metric, -1.0) >= self.old[metric]:
                continue
            bounds = (self.differences or {}).get(metric) if metric in self.new else None
            text = f"{metric} {self.new.get(metric, 'missing')} < {self.old[metric]} of {old_name} ({where}"
            if bounds is None:
                falls.append((text + ")", True))
            else:
                falls.append((text + f"; paired 90% interval of the difference {bounds[0]:+.3f} to {bounds[1]:+.3f})",
                              bounds[1] < 0))
        return falls

    def complaints(self, old_name: str) -> list[str]:
        """Why the gate refuses: a fall beyond the noise (any fall of recorded figures), or the probe's loss."""
        complaints = [text for text, beyond_noise in self._falls(old_name) if beyond_noise]
        if self.probe is not None:
            complaints += probe_complaints(*self.probe, old_name)
        return complaints

    def notes(self, old_name: str) -> list[str]:
        """The falls the gate lets pass: inside the noise of the paired resamples."""
        return [f"inside the noise, not refused: {text}" for text, beyond_noise in self._falls(old_name)
                if not beyond_noise]


def heldout_hashes(model: Path) -> dict[str, str] | None:
    """Held-out article id -> text sha256 from a model's data record (None without a record)."""
    record = ModelFolder(model).data_record()
    if record is None:
        return None
    return {d["id"]: d.get("sha256", "") for d in record.get("documents", []) if d.get("split") == "heldout"}


def common_heldout(old: Path, new: Path) -> tuple[set[str], bool] | None:
    """Ids both versions were held out on with the same text, and whether their held-out sets are equal
    (None when either has no data record)."""
    old_ids, new_ids = heldout_hashes(old), heldout_hashes(new)
    if old_ids is None or new_ids is None:
        return None
    common = {i for i in old_ids.keys() & new_ids.keys() if old_ids[i] == new_ids[i]}
    return common, old_ids == new_ids


def summary(model: Path) -> dict[str, float]:
    return ModelFolder(model).metrics().get("summary", {}).get("model", {})


def recorded_on_heldout(model: Path) -> bool:
    """Whether the folder's recorded figures were measured on its held-out articles (a cross-validated
    folder's are out-of-fold figures over the rest of the corpus)."""
    return "cross_validation" not in ModelFolder(model).metrics()


def probed(old: Analyzer, new: Analyzer, pairs: Sequence[LoadedPair]) -> tuple[ProbeOutcome, ProbeOutcome]:
    """Both versions on the loaded-language probe."""
    return ProbeOutcome.measure(old, pairs), ProbeOutcome.measure(new, pairs)


def compare(old: Path, new: Path, documents: Sequence[Document] | None = None,
            pairs: Sequence[LoadedPair] | None = None) -> Comparison | str:
    """The comparison the gate judges by, or why there is none (a complaint); with `pairs`, both versions
    are run on the loaded-language probe too (each model loaded once for everything it is scored on)."""
    from framing.model.analyzer import Analyzer

    load = functools.cache(Analyzer.load)
    comparison = corpus_comparison(old, new, documents, load)
    if isinstance(comparison, Comparison) and pairs:
        comparison.probe = probed(load(old), load(new), pairs)
    return comparison


def corpus_comparison(old: Path, new: Path, documents: Sequence[Document] | None,
                      load: Callable[[Path], Analyzer]) -> Comparison | str:
    common = common_heldout(old, new)
    if common is None:  # a folder from before data records: its recorded figures are all there is
        return Comparison(summary(old), summary(new), 0, "recorded (no data record: held-out articles unknown)")
    ids, same = common
    if not ids:
        return "no held-out articles in common: their figures cannot be compared"
    comparable = recorded_on_heldout(old) and recorded_on_heldout(new)
    if same and comparable:
        return Comparison(summary(old), summary(new), len(ids), "recorded")
    hashes = heldout_hashes(new) or {}
    given = [d for d in documents or () if d.id in ids
             and d.sha256 == hashes[d.id]]
    if len(given) < 2:
        why = (f"held out on different articles ({len(ids)} in common)" if not same else
               "one records cross-validated figures, not figures on its held-out articles")
        return f"{why}: give the data they were trained on (--data) to score both on the common ones"
    from framing.training.round_report import judge

    comparison = rescored(judge(load(old), given, set()), judge(load(new), given, set()))
    return comparison if comparison is not None else "no corpus articles among the common held-out ones"


def rescored(old: RoundFigures, new: RoundFigures, probe: tuple[ProbeOutcome, ProbeOutcome] | None = None
             ) -> Comparison | None:
    """Two versions judged on the same held-out articles (`training.round_report.judge`), as the gate's
    evidence, with the paired intervals of their differences; None without corpus articles."""
    from framing.training.round_report import paired_intervals

    if old.corpus is None or new.corpus is None:
        return None
    return Comparison(old.corpus.model_dump(), new.corpus.model_dump(), new.corpus_articles, "rescored", probe,
                      paired_intervals(old, new))
