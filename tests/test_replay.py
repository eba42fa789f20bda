"""What a fine-tuning epoch replays: fresh documents repeated, a sample of the lineage's known ones."""

from __future__ import annotations

from collections import Counter

from framing.training.config import TrainConfig
from framing.training.documents import Document
from framing.training.trainer import weighted_articles

ARTICLES = [Document(f"a{i}", f"Article {i}.", kind="semeval") for i in range(50)]
TEAM = [Document(f"t{i}", f"Sentence {i}.", kind="simple") for i in range(30)]
FRESH = [Document(f"f{i}", f"Correction {i}.", kind="simple") for i in range(4)]
ALL = [*ARTICLES, *TEAM, *FRESH]
FRESH_IDS = {d.id for d in FRESH}


def kinds(documents: list[Document]) -> Counter:
    return Counter("fresh" if d.id in FRESH_IDS else d.kind for d in documents)


def test_replay_samples_known_documents_of_every_kind_together_by_default() -> None:
    config = TrainConfig(fresh_repeats=3, replay_articles=20, train_only_formats=["simple"])
    epoch = weighted_articles(ALL, FRESH_IDS, config)
    assert kinds(epoch)["fresh"] == 12
    assert kinds(epoch)["semeval"] + kinds(epoch)["simple"] == 20
    assert epoch == weighted_articles(ALL, FRESH_IDS, config)  # seeded

