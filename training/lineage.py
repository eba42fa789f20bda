"""Which articles a fine-tuned model may be judged on: none that it or any model it descends from trained on.

A model trained from another (`--init-from`) inherits its ancestor's held-out articles (those
still in the data) and adds a held-out share of the fresh annotations, the ones its lineage never
saw. Every article any ancestor trained on stays a training article. The data record of each
model carries the lineage (`data.json` "lineage": the ids every ancestor trained on and held out),
so the rule holds over any number of generations, even when an earlier corpus is not given again.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from framing.model.folder import ModelFolder
from framing.training.documents import Document
from framing.training.errors import TrainingError
from framing.training.split import split_documents

if TYPE_CHECKING:
    from framing.training.config import TrainConfig
    from framing.training.reports import TrainingMetrics

LINEAGE_PROTOCOL = ("held out: only articles that neither this model nor any model it was fine-tuned from "
                    "trained on (the ancestors' held-out articles plus a held-out share of the fresh annotations)")


@dataclass
class Lineage:
    """What the models a run descends from trained on and were held out on."""

    ancestors: list[str] = field(default_factory=list)
    trained_ids: set[str] = field(default_factory=set)
    heldout_ids: set[str] = field(default_factory=set)

    @property
    def known_ids(self) -> set[str]:
        return self.trained_ids | self.heldout_ids

    def record(self, train: Sequence[Document], heldout: Sequence[Document], name: str) -> dict[str, Any]:
        """The lineage a model trained on `train` and held out on `heldout` passes on to its descendants."""
        trained = self.trained_ids | {d.id for d in train}
        return {"ancestors": [*self.ancestors, name],
                "trained_ids": sorted(trained),
                "heldout_ids": sorted((self.heldout_ids | {d.id for d in heldout}) - trained)}


def read_lineage(model: str | Path) -> Lineage:
    """The lineage of a trained model folder, from its data record (the lineage entry, or the split alone)."""
    folder = ModelFolder(model)
    folder.require_files()  # not a model at all: say that, before asking for its data record
    record = folder.data_record()
    if record is None:
        raise TrainingError(f"{model} has no data record (data.json), so its training articles are unknown and "
                            "a model fine-tuned from it could be judged on them; train it again or start from "
                            "the pretrained encoder")
    try:
        documents = record["documents"]
        trained = {d["id"] for d in documents if d["split"] == "train"}
        heldout = {d["id"] for d in documents if d["split"] == "heldout"}
        earlier = record.get("lineage") or {}
        trained |= set(earlier.get("trained_ids", []))
        heldout |= set(earlier.get("heldout_ids", []))
        ancestors = list(earlier.get("ancestors", []))
    except (KeyError, TypeError, AttributeError) as error:
        raise TrainingError(f"{folder.path / 'data.json'}: malformed data record ({error!r})") from error
    manifest = folder.manifest()
    ancestors.append(f"{manifest.name} {manifest.version}")
    return Lineage(ancestors, trained, heldout - trained)


def fresh_documents(documents: Sequence[Document], lineage: Lineage | None) -> list[Document]:
    """The annotations no model of the lineage has seen (all of them without a lineage)."""
    if lineage is None:
        return list(documents)
    known = lineage.known_ids
    return [d for d in documents if d.id not in known]


def lineage_split(documents: Sequence[Document], fraction: float, seed: int, lineage: Lineage,
                  train_only: Collection[str] = ()) -> tuple[list[Document], list[Document]]:
    """Training and held-out articles of a descendant: inherited held-out ones stay out, trained ones stay in,
    fresh ones are split with the usual seeded draw (fresh ones of a `train_only` kind always train)."""
    fresh_ids = {d.id for d in fresh_documents(documents, lineage)}
    _, fresh_heldout = split_documents([d for d in documents if d.id in fresh_ids], fraction, seed, train_only)
    inherited = [d for d in documents if d.id in lineage.heldout_ids]
    heldout_ids = {d.id for d in [*inherited, *fresh_heldout]}
    train = [d for d in documents if d.id not in heldout_ids]
    if not heldout_ids:
        raise TrainingError("no article is held out: none of the model's held-out articles is in the data and "
                            "there are too few fresh annotations to hold any out; add the corpus it was trained "
                            "on (--data) or more annotations")
    return train, [d for d in documents if d.id in heldout_ids]


def record_lineage(output: Path, metrics: TrainingMetrics, config: TrainConfig, lineage: Lineage,
                   train: Sequence[Document], heldout: Sequence[Document]) -> TrainingMetrics:
    """Adds the lineage to a packaged model folder: the data record, the protocol line of metrics,
    report and model card, so every figure says on which articles it was obtained."""
    from framing.training.model_card import write_model_card

    folder = ModelFolder(output)
    data = folder.data_record() or {}
    data["lineage"] = lineage.record(train, heldout, f"{config.name} {config.version}")
    folder.save_data_record(data)
    metrics.split.protocol = f"{metrics.split.protocol}; {LINEAGE_PROTOCOL}"
    folder.save_metrics(metrics.model_dump())
    report = folder.report_dir / "report.md"
    if report.is_file():
        with report.open("a", encoding="utf-8") as handle:
            handle.write(f"\nLineage: {LINEAGE_PROTOCOL}; fine-tuned from {', '.join(lineage.ancestors)}.\n")
    write_model_card(output, metrics, config, data)
    return metrics
