"""Which articles a run trains on and which it holds out, and the record that traces a model to them."""

from __future__ import annotations

import random
from collections.abc import Collection, Sequence
from datetime import UTC, datetime
from typing import Any

from framing.training.documents import Document


def split_documents(documents: Sequence[Document], fraction: float, seed: int,
                    train_only: Collection[str] = ()) -> tuple[list[Document], list[Document]]:
    """Whole articles out, never paragraphs: the held-out set is new text to the model.

    Documents whose `kind` is in `train_only` (auxiliary corpora of single sentences or memes) always
    train: held out, they would outnumber the articles the thresholds are calibrated for."""
    auxiliary = [d for d in documents if d.kind in train_only]
    ordered = sorted((d for d in documents if d.kind not in train_only), key=lambda d: d.id)
    random.Random(seed).shuffle(ordered)
    n_heldout = max(1, round(len(ordered) * fraction)) if len(ordered) > 1 else 0
    return ordered[n_heldout:] + auxiliary, ordered[:n_heldout]


def data_record(documents: Sequence[Document], sources: Sequence[dict],
                heldout: Sequence[Document]) -> dict[str, Any]:
    """What a run saw, with hashes, so a model can be traced back to its exact data."""
    heldout_ids = {d.id for d in heldout}
    return {
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "sources": list(sources),
        "documents": [{"id": d.id, "sha256": d.sha256,
                       "spans": len(d.spans), "frames": d.frames is not None,
                       "split": "heldout" if d.id in heldout_ids else "train"} for d in documents],
    }
