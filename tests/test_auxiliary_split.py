"""Auxiliary corpora (memes, BABE sentences) always train: never held out, never in a fold or the gate.

Held out, 700 one-sentence BABE records would outnumber the 74 articles the thresholds are
calibrated for, and the article-level figures would no longer mean articles."""

from __future__ import annotations

from pathlib import Path

from framing.training.config import TrainConfig
from framing.training.data_sources import load_training_data
from framing.training.fold_plan import FoldPlan
from framing.training.lineage import Lineage, lineage_split
from framing.training.split import split_documents

ROOT = Path(__file__).resolve().parent.parent
BABE = ROOT / "data" / "sample-corpora" / "babe"


def _mixed(sample_corpus: Path):
    data = load_training_data([str(sample_corpus), f"babe={BABE}"])
    # the sample CSV also shows the bad records the reader skips; the good ones are enough here
    kinds = {d.kind for d in data.documents}
    assert kinds == {"semeval", "babe"}
    return data.documents


def test_auxiliary_documents_are_never_held_out(sample_corpus: Path) -> None:
    documents = _mixed(sample_corpus)
    babe = {d.id for d in documents if d.kind == "babe"}
    articles = [d for d in documents if d.kind == "semeval"]
    train_only = TrainConfig().train_only_formats
    assert "babe" in train_only and "semeval2021" in train_only

    train, heldout = split_documents(documents, 0.2, 13, train_only)
    assert babe <= {d.id for d in train}
    assert not babe & {d.id for d in heldout}
    # the articles are split exactly as they are without the auxiliary corpus
    assert [d.id for d in heldout] == [d.id for d in split_documents(articles, 0.2, 13)[1]]

    # without the rule, BABE sentences land in the held-out set (what the rule prevents)
    _, mixed_heldout = split_documents(documents, 0.5, 13)
    assert babe & {d.id for d in mixed_heldout}

    lineage = Lineage(["base 1.0.0"], {articles[0].id}, {articles[1].id})
    train, heldout = lineage_split(documents, 0.5, 13, lineage, train_only)
    assert babe <= {d.id for d in train}
    assert articles[1].id in {d.id for d in heldout}


def test_auxiliary_documents_train_in_every_fold_and_the_final_model(sample_corpus: Path) -> None:
    documents = _mixed(sample_corpus)
    babe = {d.id for d in documents if d.kind == "babe"}
    plan = FoldPlan.make(documents, 3, seed=5, gate_fraction=0.2, train_only=["babe"])
    assert not babe & set(plan.folds) and not babe & set(plan.gate_ids)
    assert set(plan.train_only_ids) == babe
    for fold in range(3):
        train, out_of_fold = plan.split(documents, fold)
        assert babe <= {d.id for d in train}
        assert all(d.kind == "semeval" for d in out_of_fold)
    assert babe <= {d.id for d in plan.training(documents)}
    assert all(d.kind == "semeval" for d in plan.rest(documents))
