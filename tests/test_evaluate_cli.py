"""`framing evaluate` scores a model and a batch output of the same model identically."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from framing.service.cli import main

pytestmark = pytest.mark.slow


def test_batch_predictions_score_the_same_as_the_model(shipped_model_dir: Path, sample_corpus: Path,
                                                       tmp_path: Path) -> None:
    predictions = tmp_path / "out.jsonl"
    articles = sample_corpus / "train-articles-subtask-3"
    semeval = tmp_path / "semeval"
    assert main(["batch", str(articles), "-o", str(predictions), "--model", str(shipped_model_dir),
                 "--workers", "1", "--no-progress", "--format", "semeval", "--semeval-dir", str(semeval)]) == 0

    assert main(["evaluate", "--predictions", str(predictions), "--data", str(sample_corpus),
                 "-o", str(tmp_path / "from-batch")]) == 0
    assert main(["evaluate", "--model", str(shipped_model_dir), "--data", str(sample_corpus), "--no-baseline",
                 "-o", str(tmp_path / "from-model")]) == 0
    from_batch = json.loads((tmp_path / "from-batch" / "report.json").read_text())["predictions"]
    from_model = json.loads((tmp_path / "from-model" / "report.json").read_text())["model"]
    assert from_batch == from_model

    # The SemEval-format files of the same run score the same: that is what the task's tools read.
    assert main(["evaluate", "--predictions", str(semeval), "--data", str(sample_corpus),
                 "-o", str(tmp_path / "from-files")]) == 0
    from_files = json.loads((tmp_path / "from-files" / "report.json").read_text())["predictions"]
    assert from_files["paragraph"] == from_model["paragraph"]
    assert from_files["spans"] == from_model["spans"]
    assert from_files["frames"] == from_model["frames"]
    assert from_model["articles"] == len(list(articles.glob("*.txt")))
    low, high = from_model["intervals"]["paragraph_micro_f1"]
    assert low <= from_model["paragraph"]["micro_f1"] <= high
    assert "95% intervals" in (tmp_path / "from-model" / "report.md").read_text()


def test_evaluate_names_missing_predictions(sample_corpus: Path, tmp_path: Path, capsys) -> None:
    empty = tmp_path / "none.jsonl"
    empty.write_text("")
    assert main(["evaluate", "--predictions", str(empty), "--data", str(sample_corpus), "-o", str(tmp_path)]) == 2
    assert "no prediction for" in capsys.readouterr().err


def test_ids_from_evaluates_only_the_articles_a_model_held_out(shipped_model_dir: Path, sample_corpus: Path,
                                                                tmp_path: Path, capsys) -> None:
    from framing.training.readers import read_semeval_folder

    ids = sorted(d.id for d in read_semeval_folder(sample_corpus))
    record = tmp_path / "trained"
    record.mkdir()
    (record / "data.json").write_text(json.dumps({"documents": [
        {"id": i, "split": "heldout" if i in ids[:2] else "train"} for i in ids]}))
    assert main(["evaluate", "--model", str(shipped_model_dir), "--data", str(sample_corpus),
                 "--ids-from", str(record), "--no-baseline", "-o", str(tmp_path / "report")]) == 0
    assert json.loads((tmp_path / "report" / "report.json").read_text())["model"]["articles"] == 2

    assert main(["evaluate", "--model", str(shipped_model_dir), "--data", str(sample_corpus),
                 "--ids-from", str(tmp_path), "-o", str(tmp_path / "report")]) == 2
    assert "does not record which articles" in capsys.readouterr().err


def test_thresholds_from_decodes_with_another_folders_thresholds(shipped_model_dir: Path, sample_corpus: Path,
                                                                  tmp_path: Path, capsys) -> None:
    from framing.model.thresholds import Thresholds

    never = Thresholds.load(shipped_model_dir / "thresholds.json")
    for table in (never.span, never.sentence, never.frame):
        table.update({name: 1.01 for name in table})  # above any score: nothing asserted
    other = tmp_path / "other"
    other.mkdir()
    never.save(other / "thresholds.json")
    common = ["evaluate", "--model", str(shipped_model_dir), "--data", str(sample_corpus), "--no-baseline"]
    assert main([*common, "-o", str(tmp_path / "own")]) == 0
    assert main([*common, "--thresholds-from", str(other), "-o", str(tmp_path / "other-report")]) == 0
    own = json.loads((tmp_path / "own" / "report.json").read_text())["model"]
    borrowed = json.loads((tmp_path / "other-report" / "report.json").read_text())["model"]
    assert own["spans"]["identification"]["predicted"] > 0
    assert borrowed["spans"]["identification"]["predicted"] == 0
    assert borrowed["paragraph"]["micro_f1"] == 0.0
    # The other folder has no sensitive point: asking for it is refused, not answered with another's.
    assert main([*common, "--thresholds-from", str(other), "--sensitivity", "sensitive",
                 "-o", str(tmp_path / "x")]) == 2
    assert "sensitive" in capsys.readouterr().err
    empty = tmp_path / "none.jsonl"
    empty.write_text("")
    assert main(["evaluate", "--predictions", str(empty), "--data", str(sample_corpus),
                 "--thresholds-from", str(other), "-o", str(tmp_path / "y")]) == 2
