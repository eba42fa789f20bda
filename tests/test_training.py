"""Tiny training runs on the project's own sample corpus: the real loop, calibration and outputs."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest

from framing.model.analyzer import Analyzer
from framing.model.folder import RegistryError
from framing.service.cli import main
from framing.training.config import TrainConfig
from framing.training.readers import read_semeval_folder
from framing.training.registry import Registry
from framing.training.train import train
from framing.training.trainer import Losses

pytestmark = pytest.mark.slow
TINY = {"max_steps": 4, "checkpoint_every": 2, "heldout_fraction": 0.34, "threads": 1, "fold_assignments": 2}


def test_train_writes_a_complete_model_that_analyzes_text(sample_corpus: Path, tmp_path: Path) -> None:
    documents = read_semeval_folder(sample_corpus)
    metrics = train(documents, tmp_path / "model", TrainConfig(**TINY, version="t1"))
    model = tmp_path / "model"
    for name in ("weights.safetensors", "thresholds.json", "framing.json", "metrics.json", "MODEL_CARD.md",
                 "data.json", "tfidf.json", "tfidf.safetensors", "report/report.md", "report/report.json"):
        assert (model / name).is_file(), name
    assert set(metrics.summary) == {"model", "network", "baseline"}
    assert "95% intervals for `model`" in (model / "MODEL_CARD.md").read_text()
    assert metrics.served == "ensemble"
    assert all(r.fold_assignments == 2 for r in metrics.reports.values())
    assert "averaged over 2 random deals" in metrics.split.protocol
    # The report states the same protocol in the same words.
    assert metrics.split.protocol in (model / "report" / "report.md").read_text()
    held = set(metrics.split.heldout_ids)
    data = json.loads((model / "data.json").read_text())
    assert {d["id"] for d in data["documents"] if d["split"] == "heldout"} == held
    assert all(len(d["sha256"]) == 64 for d in data["documents"])
    # The files read back as the typed reports that wrote them.
    from framing.training.reports import TrainingMetrics, load_reports

    assert TrainingMetrics.load(model / "metrics.json") == metrics
    assert load_reports(model / "report" / "report.json") == metrics.reports

    analyzer = Analyzer.load(model)
    assert analyzer.info.version == "t1"
    text = "The council's reckless, shameful betrayal left families ruined."
    analysis = analyzer.analyze(text, "x")
    assert analysis.id == "x"
    assert all(text[s.start:s.end] == s.text for s in analysis.spans)


def test_train_fine_tunes_another_encoder_given_its_folder(sample_corpus: Path, tmp_path: Path,
                                                           tiny_encoder: Path) -> None:
    """A larger teacher is trained the same way: only the encoder folder changes."""
    from framing.model.manifest import Manifest

    documents = read_semeval_folder(sample_corpus)
    train(documents, tmp_path / "model", TrainConfig(**TINY, baseline=False, encoder_path=str(tiny_encoder)))
    assert json.loads((tmp_path / "model" / "config.json").read_text())["hidden_size"] == 32
    assert Manifest.load(tmp_path / "model").encoder == "tiny-encoder"
    analysis = Analyzer.load(tmp_path / "model").analyze("A shameful, reckless betrayal.")
    assert len(analysis.sentences) == 1

    with pytest.raises(ValueError, match="not a pretrained encoder folder"):
        train(documents, tmp_path / "other", TrainConfig(**TINY, encoder_path=str(tmp_path / "missing")))


def test_article_context_is_added_to_a_trained_model_without_changing_its_scores(
        sample_corpus: Path, tmp_path: Path, tiny_encoder: Path) -> None:
    """Widened heads start with zero weight on the article summary, then learn from it."""
    import numpy as np

    from framing.model.folder import ModelFolder
    from framing.model.manifest import Manifest
    from framing.model.neural_scorer import NeuralScorer

    documents = read_semeval_folder(sample_corpus)
    plain = {**TINY, "baseline": False, "encoder_path": str(tiny_encoder), "quantization": "none"}
    train(documents, tmp_path / "plain", TrainConfig(**plain))
    network, tokenizer, manifest, _ = ModelFolder(tmp_path / "plain").load_network()
    prepared = [Analyzer.prepare(d.text) for d in documents[:3]]
    before = NeuralScorer(network, tokenizer, manifest.window_length, manifest.stride).score(prepared)
    network.add_article_context()
    assert network.sentence_head[0].in_features == 3 * 32
    after = NeuralScorer(network, tokenizer, manifest.window_length, manifest.stride).score(prepared)
    for a, b in zip(before, after, strict=True):
        np.testing.assert_allclose(a.sentence_techniques, b.sentence_techniques, atol=1e-6)
        np.testing.assert_allclose(a.article_frames, b.article_frames, atol=1e-6)

    without_encoder_path = {k: v for k, v in plain.items() if k != "encoder_path"}
    train(documents, tmp_path / "context", TrainConfig(**without_encoder_path, article_context=True),
          init_from=tmp_path / "plain")
    assert Manifest.load(tmp_path / "context").article_context
    assert Manifest.load(tmp_path / "context").encoder == "tiny-encoder", "the encoder is the initial model's"
    assert "whole article" in (tmp_path / "context" / "MODEL_CARD.md").read_text()
    context_network, *_ = ModelFolder(tmp_path / "context").load_network()
    assert context_network.article_context
    assert not context_network.sentence_head[0].weight[:, 64:].eq(0).all(), "the context weights never trained"
    assert len(Analyzer.load(tmp_path / "context").analyze("A shameful, reckless betrayal.").sentences) == 1

    with pytest.raises(ValueError, match="article context"):
        train(documents, tmp_path / "again", TrainConfig(**plain), init_from=tmp_path / "context")


def test_an_interrupted_run_resumes_from_its_checkpoint(sample_corpus: Path, tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch,
                                                        caplog: pytest.LogCaptureFixture) -> None:
    documents = read_semeval_folder(sample_corpus)
    config = TrainConfig(**TINY, baseline=False)
    original = Losses.forward
    calls = {"n": 0}

    def crash_on_third_step(self, output, example):
        calls["n"] += 1
        if calls["n"] == 3:
            raise KeyboardInterrupt
        return original(self, output, example)

    monkeypatch.setattr(Losses, "forward", crash_on_third_step)
    with pytest.raises(KeyboardInterrupt):
        train(documents, tmp_path / "model", config)
    assert not (tmp_path / "model" / "weights.safetensors").exists()
    assert (tmp_path / "model.work" / "checkpoint.pt").is_file()

    monkeypatch.setattr(Losses, "forward", original)
    # Resumed with another thread count (how fast, not what, it trains): the checkpoint still fits.
    other_threads = config.model_copy(update={"threads": 2})
    with caplog.at_level(logging.INFO, logger="framing.train"):
        train(documents, tmp_path / "model", other_threads)
    assert "resuming from step 2 of 4" in caplog.text
    assert (tmp_path / "model" / "weights.safetensors").is_file()

    changed = TrainConfig(**{**TINY, "seed": 99}, baseline=False)
    with pytest.raises(ValueError, match="another configuration"):
        train(documents, tmp_path / "model", changed)


def test_cli_trains_into_a_registry_and_promote_is_gated(sample_corpus: Path, tmp_path: Path,
                                                         capsys: pytest.CaptureFixture) -> None:
    registry_dir = tmp_path / "registry"
    config = tmp_path / "tiny.json"
    config.write_text(json.dumps({k: v for k, v in TINY.items() if k != "max_steps"}))
    args = ["train", "--data", str(sample_corpus), "--registry", str(registry_dir), "--config", str(config),
            "--max-steps", "2", "--no-baseline"]
    assert main(args) == 0
    registry = Registry(registry_dir)
    assert [v.version for v in registry.versions()] == ["v1"]
    assert main(["models", "promote", "v1", "--registry", str(registry_dir)]) == 0
    assert registry.promoted_version() == "v1"

    # Fine-tune v1 into v2 from its weights, then make v2 look worse: the gate must refuse it.
    assert main([*args, "--init-from", str(registry.version_dir("v1"))]) == 0
    metrics_path = registry.version_dir("v2") / "metrics.json"
    metrics = json.loads(metrics_path.read_text())
    metrics["summary"]["model"]["span_f1"] = registry.summary("v1")["span_f1"] - 0.1
    metrics_path.write_text(json.dumps(metrics))
    with pytest.raises(RegistryError, match="span_f1"):
        registry.promote("v2")
    assert main(["models", "promote", "v2", "--registry", str(registry_dir)]) == 1
    assert registry.promoted_version() == "v1"
    assert main(["models", "promote", "v2", "--force", "--registry", str(registry_dir)]) == 0
    assert registry.promoted_version() == "v2"
    capsys.readouterr()
    assert main(["models", "list", "--registry", str(registry_dir)]) == 0
    assert "* v2" in capsys.readouterr().out

    # The CLI serves a registry's promoted version, and evaluate scores it on annotated data.
    assert main(["analyze", "--model", str(registry_dir), "A shameful, disgraceful plan."]) == 0
    assert json.loads(capsys.readouterr().out)["model"]["version"] == "v2"
    report_dir = tmp_path / "report"
    assert main(["evaluate", "--model", str(registry_dir), "--data", str(sample_corpus), "-o", str(report_dir)]) == 0
    report = json.loads((report_dir / "report.json").read_text())
    assert report["model"]["articles"] == len(read_semeval_folder(sample_corpus))
    assert "paragraph micro-F1" in (report_dir / "report.md").read_text()


def test_train_reports_bad_records_and_strict_makes_them_fatal(tmp_path: Path, capsys) -> None:
    data = tmp_path / "bad.jsonl"
    data.write_text('{"id": "a", "text": "Fine text here.", "spans": [{"start": 0, "end": 99, '
                    '"label": "Loaded_Language"}], "frames": []}\n')
    assert main(["train", "--data", str(data), "-o", str(tmp_path / "m"), "--strict"]) == 2
    assert "bad.jsonl" in capsys.readouterr().err
    assert main(["train", "--data", str(data), "-o", str(tmp_path / "m")]) == 2
    err = capsys.readouterr().err
    assert "skipped:" in err and "no usable annotated documents" in err


def test_calibrate_refits_a_trained_model_without_training_and_checks_its_split(
        sample_corpus: Path, tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    import shutil

    documents = read_semeval_folder(sample_corpus)
    model = tmp_path / "model"
    train(documents, model, TrainConfig(**TINY, version="c1"))
    weights = (model / "weights.safetensors").read_bytes()
    old_style = json.loads((model / "thresholds.json").read_text())
    del old_style["span_unit"]  # as written before span units existed, and so before file hashes
    (model / "thresholds.json").write_text(json.dumps(old_style))
    (model / "hashes.json").unlink()

    out = tmp_path / "recalibrated"
    assert main(["calibrate", str(model), "--data", str(sample_corpus), "-o", str(out)]) == 0
    assert "model written to" in capsys.readouterr().out
    assert (out / "weights.safetensors").read_bytes() == weights  # no training happened
    thresholds = json.loads((out / "thresholds.json").read_text())
    assert set(thresholds["span_unit"]) == set(old_style["span"])
    assert set(thresholds["span_unit"].values()) <= {"word", "sentence"}
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["split"] == json.loads((model / "metrics.json").read_text())["split"]
    assert Analyzer.load(out).info.version == "c1"
    manifest = json.loads((out / "framing.json").read_text())
    history = manifest["extra"]["history"]
    assert "recalibrated" in history[-1] and "paragraph_micro_f1" in history[-1]
    assert manifest["quantization"] == "int8"  # the model keeps its own arithmetic by default
    assert "int8" in (out / "MODEL_CARD.md").read_text()

    plain = tmp_path / "plain"
    assert main(["calibrate", str(model), "--data", str(sample_corpus), "-o", str(plain),
                 "--quantization", "none"]) == 0
    assert json.loads((plain / "framing.json").read_text())["quantization"] == "none"
    assert "int8" not in (plain / "MODEL_CARD.md").read_text()
    assert (plain / "weights.safetensors").read_bytes() == weights

    # Other data would split differently: the model would be judged on articles it trained on.
    fewer = tmp_path / "fewer"
    shutil.copytree(sample_corpus, fewer)
    articles = sorted((fewer / "train-articles-subtask-3").iterdir())
    for article in articles[: len(articles) // 2]:
        article.unlink()
        (fewer / "train-labels-subtask-3-spans" / article.name.replace(".txt", "-labels-subtask-3.txt")).unlink()
    kept_ids = {a.name.removeprefix("article").removesuffix(".txt") for a in articles[len(articles) // 2:]}
    for label_file in ("train-labels-subtask-2.txt", "train-labels-subtask-3.txt"):
        path = fewer / label_file
        path.write_text("".join(line for line in path.read_text().splitlines(keepends=True)
                                if line.split("\t")[0] in kept_ids))
    assert main(["calibrate", str(model), "--data", str(fewer), "-o", str(tmp_path / "bad")]) == 2
    assert "held out on other articles" in capsys.readouterr().err


def test_average_writes_the_mean_of_two_runs_and_recalibrates_it(
        sample_corpus: Path, tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    from safetensors.torch import load_file

    documents = read_semeval_folder(sample_corpus)
    first, second = tmp_path / "first", tmp_path / "second"
    train(documents, first, TrainConfig(**TINY, version="a1", baseline=False))
    train(documents, second, TrainConfig(**TINY, version="a2", baseline=False), init_from=first)

    soup = tmp_path / "soup"
    assert main(["average", str(first), str(second), "--data", str(sample_corpus), "-o", str(soup)]) == 0
    assert "model written to" in capsys.readouterr().out
    a, b, mean = (load_file(str(m / "weights.safetensors")) for m in (first, second, soup))
    key = "token_head.weight"
    assert not (a[key] == b[key]).all()  # the runs differ, so the test can tell an average from a copy
    assert (mean[key].float() - (a[key].float() + b[key].float()) / 2).abs().max() < 1e-3
    manifest = json.loads((soup / "framing.json").read_text())
    assert manifest["version"] == "a2"
    assert manifest["extra"]["history"][-1]["averaged"] == [str(first), str(second)]
    assert Analyzer.load(soup).analyze("A shameful, reckless betrayal.").model.version == "a2"

    # Runs of another split would bring one run's training articles into the other's calibration.
    other = tmp_path / "other"
    train(documents, other, TrainConfig(**TINY, seed=5, baseline=False))
    assert main(["average", str(first), str(other), "--data", str(sample_corpus), "-o", str(tmp_path / "x")]) == 2
    assert "held out on different articles" in capsys.readouterr().err
    assert main(["average", str(first), "--data", str(sample_corpus), "-o", str(tmp_path / "y")]) == 2
    assert "at least two models" in capsys.readouterr().err
    assert main(["average", str(first), str(second), "--data", str(sample_corpus), "-o", str(first)]) == 2
    assert "is one of the models" in capsys.readouterr().err


def test_relative_paths_in_a_config_file_are_read_from_its_folder(tmp_path: Path, monkeypatch) -> None:
    recipes = tmp_path / "project" / "recipes"
    recipes.mkdir(parents=True)
    (tmp_path / "project" / "examples.jsonl").write_text("", encoding="utf-8")
    config = recipes / "recipe.json"
    config.write_text(json.dumps({"sentence_frame_examples": "../examples.jsonl",
                                  "teacher_path": "nowhere/model"}), encoding="utf-8")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)

    settings = TrainConfig.from_file(config)
    assert Path(settings.sentence_frame_examples or "").resolve() == (tmp_path / "project" / "examples.jsonl")
    # a path found nowhere is named where the rule looks for it, so the error points there
    assert Path(settings.teacher_path or "").resolve() == recipes / "nowhere" / "model"
    # the command line's paths stay relative to the working folder
    assert TrainConfig.from_file(config, teacher_path="mine").teacher_path == "mine"


def test_a_config_path_that_exists_only_from_the_working_folder_keeps_that_meaning(
        tmp_path: Path, monkeypatch) -> None:
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "examples.jsonl").write_text("", encoding="utf-8")
    (tmp_path / "recipes").mkdir()
    config = tmp_path / "recipes" / "old.json"
    config.write_text(json.dumps({"sentence_frame_examples": "data/examples.jsonl"}), encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    assert TrainConfig.from_file(Path("recipes/old.json")).sentence_frame_examples == "data/examples.jsonl"


def test_the_shipped_recipe_finds_its_examples_from_any_working_folder(tmp_path: Path, monkeypatch) -> None:
    recipe = Path(__file__).resolve().parent.parent / "training" / "recipes" / "minilm-2.0.json"
    monkeypatch.chdir(tmp_path)
    examples = Path(TrainConfig.from_file(recipe).sentence_frame_examples or "")
    assert examples.is_file() and examples.name == "examples.jsonl"
