"""Which articles each fold of a cross-validation run holds out, which form the gate set, and the
run folder's records of both (plan and out-of-fold scores) that let a killed run resume.

The gate set is drawn first and never enters a fold or the final model: descendants of the model
can then be judged on articles that no model of the lineage trained on (issue 19). It is drawn
by `split_documents`, the draw `framing train` holds articles out with, so with the same seed a
gate of a tenth of the corpus lies inside the held-out fifth of a `train` model of that seed.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

from framing.model.files import atomic_writer, write_atomic
from framing.model.scores import DocumentScores
from framing.training.config import TrainConfig
from framing.training.documents import Document
from framing.training.errors import TrainingError
from framing.training.evaluate import fold_assignment
from framing.training.split import split_documents

PLAN = "plan.json"
SCORES = "scores.npz"
FIELDS = ("word_techniques", "sentence_techniques", "sentence_frames", "article_frames")


@dataclass
class FoldPlan:
    """The deal of a run: `folds` maps every non-gate article id to its fold (0-based)."""

    k: int
    seed: int
    gate_fraction: float
    gate_ids: list[str]
    folds: dict[str, int]
    train_only_ids: list[str]  # auxiliary documents (config.train_only_formats): every model trains on them

    @classmethod
    def make(cls, documents: Sequence[Document], k: int, seed: int, gate_fraction: float = 0.0,
             gate_ids: Sequence[str] | None = None, train_only: Collection[str] = ()) -> FoldPlan:
        """A seeded deal; `gate_ids` (e.g. an ancestor's) replace a drawn gate set of `gate_fraction`.
        Documents of a `train_only` kind are in no fold and no gate: every model trains on them."""
        if not 0 <= gate_fraction < 1:
            raise TrainingError(f"gate fraction must lie in [0, 1), got {gate_fraction}")
        auxiliary = sorted(d.id for d in documents if d.kind in train_only)
        documents = [d for d in documents if d.kind not in train_only]
        ids = {d.id for d in documents}
        if gate_ids is not None:
            gate = sorted(set(gate_ids) & ids)
            if not gate:
                raise TrainingError("none of the gate articles given is in these data")
        elif gate_fraction > 0:
            gate = sorted(d.id for d in split_documents(documents, gate_fraction, seed)[1])
        else:
            gate = []
        rest = sorted(ids - set(gate))
        if k < 2 or k > len(rest):
            raise TrainingError(f"need 2 <= k <= {len(rest)} (the articles outside the gate set), got k={k}")
        fold_of = fold_assignment(len(rest), k, seed)
        return cls(k, seed, gate_fraction, gate, {doc_id: int(fold_of[i]) for i, doc_id in enumerate(rest)},
                   auxiliary)

    def fold_of(self, documents: Sequence[Document]) -> list[int]:
        return [self.folds[d.id] for d in documents]

    def rest(self, documents: Sequence[Document]) -> list[Document]:
        """The articles the folds and the final model use, in id order."""
        return sorted((d for d in documents if d.id in self.folds), key=lambda d: d.id)

    def training(self, documents: Sequence[Document]) -> list[Document]:
        """What the final model trains on: the articles in folds and the auxiliary documents."""
        auxiliary = set(self.train_only_ids)
        return self.rest(documents) + [d for d in documents if d.id in auxiliary]

    def gate(self, documents: Sequence[Document]) -> list[Document]:
        gate = set(self.gate_ids)
        return sorted((d for d in documents if d.id in gate), key=lambda d: d.id)

    def split(self, documents: Sequence[Document], fold: int) -> tuple[list[Document], list[Document]]:
        """(training articles, out-of-fold articles) of one fold model."""
        training = self.training(documents)
        out_of_fold = [d for d in training if self.folds.get(d.id) == fold]
        return [d for d in training if self.folds.get(d.id) != fold], out_of_fold

    def record(self, documents: Sequence[Document], config: TrainConfig) -> dict[str, Any]:
        hashes = {d.id: d.sha256 for d in documents}
        return {**asdict(self), "documents": dict(sorted(hashes.items())), "config": config.model_dump()}

    def save_or_check(self, run_dir: Path, documents: Sequence[Document], config: TrainConfig) -> None:
        """Writes the plan into a new run folder; in an existing one, refuses a plan that differs, so
        folds trained on one deal are never mixed with folds of another."""
        path = run_dir / PLAN
        record = self.record(documents, config)
        if path.is_file():
            try:
                recorded = json.loads(path.read_text(encoding="utf-8"))
            except ValueError as error:
                raise TrainingError(f"{path}: not valid JSON ({error}); remove the run folder to start over") from error
            differs = [key for key in record if key != "config" and recorded.get(key) != record[key]]
            if _training_settings(recorded.get("config")) != config.training_settings():
                differs.append("config")
            if differs:
                raise TrainingError(f"{run_dir} holds a run with other {', '.join(differs)}; use another "
                                    "folder, or the same data and settings to resume it")
            return
        run_dir.mkdir(parents=True, exist_ok=True)
        write_atomic(path, json.dumps(record, indent=2) + "\n")


def _training_settings(recorded: Any) -> dict[str, Any] | None:
    """A recorded config's training settings; None if it is not a config this version can read."""
    if not isinstance(recorded, dict):
        return None
    try:
        return TrainConfig(**recorded).training_settings()
    except (TypeError, ValueError):
        return None


def save_scores(path: Path, ids: Sequence[str], systems: dict[str, Sequence[DocumentScores]]) -> None:
    """One fold's out-of-fold scores per system, written whole or not at all (it marks the fold done)."""
    arrays: dict[str, np.ndarray] = {"ids": np.array(list(ids), dtype=str)}
    for system, scores in systems.items():
        for j, score in enumerate(scores):
            for field in FIELDS:
                arrays[f"{system}.{j}.{field}"] = getattr(score, field)
    path.parent.mkdir(parents=True, exist_ok=True)
    with atomic_writer(path) as handle:
        np.savez(handle, **arrays)  # type: ignore[arg-type]


def load_scores(path: Path) -> dict[str, dict[str, DocumentScores]]:
    """system -> article id -> scores, as `save_scores` wrote them."""
    with np.load(path, allow_pickle=False) as data:
        ids = [str(i) for i in data["ids"]]
        systems = sorted({key.split(".", 1)[0] for key in data.files if key != "ids"})
        return {system: {doc_id: DocumentScores(**{f: data[f"{system}.{j}.{f}"] for f in FIELDS})
                         for j, doc_id in enumerate(ids)} for system in systems}
