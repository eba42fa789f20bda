"""scripts/run_transfer.py: a crossval run trained on another machine comes back complete."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import numpy as np

from framing.model.manifest import Manifest
from framing.service.cli import main
from framing.training.config import TrainConfig
from framing.training.crossval import fold_dir
from framing.training.fold_plan import SCORES, load_scores
from framing.training.reports import TrainingMetrics

SCRIPT = Path(__file__).resolve().parents[1] / "scripts" / "run_transfer.py"


def _transfer():
    spec = importlib.util.spec_from_file_location("run_transfer", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_a_packed_run_unpacks_into_one_that_only_needs_packaging(sample_corpus: Path, tmp_path: Path,
                                                                  tiny_encoder: Path) -> None:
    transfer = _transfer()
    settings = tmp_path / "settings.json"
    # Both embedding models need their fold's network, which stays on the remote machine: their
    # out-of-fold scores must travel, or the run cannot be finished here.
    settings.write_text(json.dumps(TrainConfig(max_steps=2, threads=1, encoder_path=str(tiny_encoder),
                                               article_frame_weight=0.4, sentence_technique_weight=0.3).model_dump()))
    remote, local = tmp_path / "remote", tmp_path / "local"
    command = ["crossval", "--data", str(sample_corpus), "-k", "3", "--config", str(settings)]
    for part in ("fold:1", "fold:3", "final"):  # fold 2 "lost" on the remote machine
        assert main([*command, "-o", str(remote), "--part", part]) == 0
    transfer.pack(remote, tmp_path / "out", None)
    parts = sorted((tmp_path / "out").iterdir())
    assert parts and all(p.stat().st_size <= transfer.PART_BYTES for p in parts)

    transfer.unpack(tmp_path / "out", local, [sample_corpus], settings)
    assert not (fold_dir(local, 1) / SCORES).exists()
    for fold in (0, 2):
        sent, came = load_scores(fold_dir(remote, fold) / SCORES), load_scores(fold_dir(local, fold) / SCORES)
        assert set(came) == set(sent) == {"network", "baseline", "article_frames", "sentence_techniques"}
        for doc_id, scores in sent["baseline"].items():  # refitted here: the same TF-IDF model
            assert np.array_equal(came["baseline"][doc_id].word_techniques, scores.word_techniques)
        for system in ("network", "article_frames", "sentence_techniques"):  # sent in fp16
            for doc_id, scores in sent[system].items():
                for field in ("word_techniques", "sentence_techniques", "article_frames"):
                    assert np.allclose(getattr(came[system][doc_id], field), getattr(scores, field), atol=1e-3)
    assert not (fold_dir(local, 0) / "model").exists()  # the fold networks stayed behind
    assert main([*command, "-o", str(local), "--use-folds", "1,3"]) == 0
    metrics = TrainingMetrics.load(local / "model" / "metrics.json")
    assert metrics.cross_validation is not None and metrics.cross_validation.folds_used == [1, 3]
    manifest = Manifest.load(local / "model")
    assert (manifest.article_frame_weight, manifest.sentence_technique_weight) == (0.4, 0.3)
