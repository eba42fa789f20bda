"""`framing crossval`: k fold models, out-of-fold figures, a final model on all articles, a gate set."""

from __future__ import annotations

import json
import logging
import shutil
from pathlib import Path

import numpy as np
import pytest
import torch

from framing.model.analyzer import Analyzer
from framing.model.ensemble import LexicalShares
from framing.model.folder import ModelFolder
from framing.model.manifest import Manifest
from framing.model.schema import ModelInfo
from framing.model.scores import PreparedText
from framing.model.tfidf import BaselineScorer
from framing.model.thresholds import SpanGrowth
from framing.service.cli import main
from framing.training import fold_figures
from framing.training.config import TrainConfig
from framing.training.crossval import crossval, fold_dir
from framing.training.errors import TrainingError
from framing.training.fold_plan import SCORES, FoldPlan, load_scores
from framing.training.readers import read_semeval_folder
from framing.training.reports import Summary, TrainingMetrics
from framing.training.trainer import Losses, Trainer

TINY = {"max_steps": 2, "checkpoint_every": 1, "threads": 1}


def test_the_plan_deals_every_article_outside_the_gate_into_one_fold(sample_corpus: Path, tmp_path: Path) -> None:
    documents = read_semeval_folder(sample_corpus)
    plan = FoldPlan.make(documents, 3, seed=5, gate_fraction=0.2)
    assert len(plan.gate_ids) == 2
    assert set(plan.folds) == {d.id for d in documents} - set(plan.gate_ids)
    assert sorted(np.bincount(list(plan.folds.values()))) == [2, 2, 3]
    assert FoldPlan.make(documents, 3, seed=5, gate_fraction=0.2) == plan, "seeded"
    for fold in range(3):
        train_docs, heldout = plan.split(documents, fold)
        assert {d.id for d in heldout} == {i for i, f in plan.folds.items() if f == fold}
        assert not {d.id for d in train_docs} & ({d.id for d in heldout} | set(plan.gate_ids))

    given = FoldPlan.make(documents, 3, seed=5, gate_ids=[documents[0].id, "not-in-the-data"])
    assert given.gate_ids == [documents[0].id]
    with pytest.raises(TrainingError, match="k="):
        FoldPlan.make(documents, 9, seed=5, gate_fraction=0.2)

    config = TrainConfig(**TINY)
    plan.save_or_check(tmp_path / "run", documents, config)
    plan.save_or_check(tmp_path / "run", documents, config)  # the same plan: resumable
    with pytest.raises(TrainingError, match="other seed, gate_ids, folds"):
        FoldPlan.make(documents, 3, seed=6, gate_fraction=0.2).save_or_check(tmp_path / "run", documents, config)


def test_no_fold_is_measured_with_thresholds_fitted_on_it(sample_corpus: Path,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    documents = read_semeval_folder(sample_corpus)
    prepared = [PreparedText.from_text(d.text) for d in documents]
    scores = BaselineScorer().fit(documents).score(prepared)
    fold_of = [i % 3 for i in range(len(documents))]
    fitted_on: list[set[str]] = []
    measured: list[tuple[str, set[str]]] = []
    real_calibrate, real_build = fold_figures.calibrate, fold_figures.build_analysis

    def spy_calibrate(docs, *args, **kwargs):
        fitted_on.append({d.id for d in docs})
        return real_calibrate(docs, *args, **kwargs)

    def spy_build(prepared_text, score, thresholds, info, document_id):
        measured.append((document_id, fitted_on[-1]))
        return real_build(prepared_text, score, thresholds, info, document_id)

    monkeypatch.setattr(fold_figures, "calibrate", spy_calibrate)
    monkeypatch.setattr(fold_figures, "build_analysis", spy_build)
    report, figures, _ = fold_figures.cross_validated(documents, prepared, scores, fold_of,
                                                      ModelInfo(name="tfidf", version="1"))
    assert sorted(doc_id for doc_id, _ in measured) == sorted(d.id for d in documents), "each article once"
    assert all(doc_id not in fitted for doc_id, fitted in measured)
    assert fitted_on[-1] == {d.id for d in documents}, "the served thresholds are fitted on all"
    assert len(figures.folds) == 3 and report.articles == len(documents)
    for key, value in figures.mean.model_dump().items():
        folds = [getattr(f, key) for f in figures.folds]
        assert value == pytest.approx(np.mean(folds), abs=2e-4)
        assert getattr(figures.spread, key) == pytest.approx(np.std(folds, ddof=1), abs=2e-4)


@pytest.mark.slow
def test_crossval_runs_end_to_end_resumes_and_keeps_the_gate_out(
        sample_corpus: Path, tmp_path: Path, tiny_encoder: Path, monkeypatch: pytest.MonkeyPatch,
        caplog: pytest.LogCaptureFixture) -> None:
    documents = read_semeval_folder(sample_corpus)
    config = TrainConfig(**TINY, encoder_path=str(tiny_encoder), version="cv1")
    run = tmp_path / "run"
    trained_on: list[set[str]] = []
    real_for_documents, real_fit = Trainer.for_documents.__func__, BaselineScorer.fit  # type: ignore[attr-defined]

    def spy_for_documents(cls, network, tokenizer, cfg, train_docs, heldout, work_dir):
        trained_on.append({d.id for d in train_docs})
        return real_for_documents(cls, network, tokenizer, cfg, train_docs, heldout, work_dir)

    def spy_fit(self, docs):
        trained_on.append({d.id for d in docs})
        return real_fit(self, docs)

    monkeypatch.setattr(Trainer, "for_documents", classmethod(spy_for_documents))
    monkeypatch.setattr(BaselineScorer, "fit", spy_fit)
    forward, calls = Losses.forward, {"n": 0}

    def crash_in_the_second_fold(self, output, example):
        calls["n"] += 1
        if calls["n"] == 4:  # fold 1 took steps 1-2; fold 2 has checkpointed its step 1
            raise KeyboardInterrupt
        return forward(self, output, example)

    monkeypatch.setattr(Losses, "forward", crash_in_the_second_fold)
    with pytest.raises(KeyboardInterrupt):
        crossval(documents, run, config, 3, gate_fraction=0.12)
    assert (fold_dir(run, 0) / SCORES).is_file() and not (fold_dir(run, 1) / SCORES).exists()
    monkeypatch.setattr(Losses, "forward", forward)
    with caplog.at_level(logging.INFO, logger="framing.train"):
        metrics = crossval(documents, run, config, 3, gate_fraction=0.12)
    assert "fold 1 of 3 finished earlier: skipped" in caplog.text
    assert "resuming from step 1 of 2" in caplog.text

    plan = FoldPlan.make(documents, 3, config.seed, 0.12)
    gate = set(plan.gate_ids)
    assert len(gate) == 1
    assert trained_on and all(not ids & gate for ids in trained_on), "the gate set entered training"
    # Out-of-fold scores cover every article outside the gate exactly once, from the model that skipped it.
    covered = []
    for fold in range(3):
        ids = list(load_scores(fold_dir(run, fold) / SCORES)["network"])
        assert set(ids) == {i for i, f in plan.folds.items() if f == fold}
        covered += ids
    assert sorted(covered) == sorted(plan.folds)

    model = run / "model"
    assert TrainingMetrics.load(model / "metrics.json") == metrics
    record = metrics.cross_validation
    assert record is not None and record.k == 3 and record.seed == config.seed and record.gate_articles == 1
    assert sum(record.fold_articles) == len(documents) - 1
    assert set(record.systems) == set(metrics.reports) == {"model", "network", "baseline"}
    assert record.gate is not None and set(record.gate) == {"model", "baseline"}
    for name, figures in record.systems.items():
        assert len(figures.folds) == 3
        for key, value in metrics.summary[name].model_dump().items():
            assert value == pytest.approx(np.mean([getattr(f, key) for f in figures.folds]), abs=2e-4)
        assert isinstance(figures.spread, Summary)
    assert metrics.split.heldout_ids == plan.gate_ids and "3-fold cross-validation" in metrics.split.protocol

    data = json.loads((model / "data.json").read_text())
    assert {d["id"] for d in data["documents"] if d.get("gate")} == gate
    assert {d["id"] for d in data["documents"] if d["split"] == "heldout"} == gate
    assert {d["id"]: d["fold"] - 1 for d in data["documents"] if "fold" in d} == plan.folds
    assert data["protocol"]["k"] == 3 and data["protocol"]["gate_ids"] == plan.gate_ids
    assert "Cross-validation" in (model / "report" / "report.md").read_text()
    card = (model / "MODEL_CARD.md").read_text()
    assert "3-fold cross-validation" in card and "±" in card

    analysis = Analyzer.load(model).analyze("The council's reckless, shameful betrayal left families ruined.")
    assert analysis.model.version == "cv1"
    # Both operating points, fitted on the out-of-fold scores; sensitive never above precise.
    both = Analyzer.load(model)
    assert both.operating_points == ("precise", "sensitive")
    assert both.points.sensitive is not None
    assert all(both.points.sensitive.span[n] <= both.thresholds.span[n] for n in both.thresholds.span)
    assert (run / "figures" / "sensitive_thresholds.json").is_file()
    assert Analyzer.load(fold_dir(run, 0) / "model").analyze("A shameful betrayal.").sentences

    from framing.training.packaging import recalibrate

    with pytest.raises(TrainingError, match="cross-validation"):
        recalibrate(model, documents, tmp_path / "again")


def test_the_command_prints_its_plan_without_training(sample_corpus: Path, tmp_path: Path,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["crossval", "--data", str(sample_corpus), "-o", str(tmp_path / "run"), "-k", "3",
                 "--gate-fraction", "0.12", "--epochs", "2", "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert "3-fold cross-validation, seed 13: 8 articles in folds, 1 in the gate set" in out
    assert "fold 1: trains on 5 documents for 10 steps, scores 3" in out
    assert "final model: trains on 8 documents for 11 steps" in out
    assert not (tmp_path / "run").exists()
    assert main(["crossval", "--data", str(sample_corpus), "-o", str(tmp_path / "run"), "-k", "20",
                 "--dry-run"]) == 2


def test_the_gate_set_can_be_taken_from_a_model_that_held_articles_out(sample_corpus: Path, tmp_path: Path,
                                                                       capsys: pytest.CaptureFixture[str]) -> None:
    """A descendant keeps its ancestor's held-out articles out of every model it trains (issue 19)."""
    documents = read_semeval_folder(sample_corpus)
    ancestor = tmp_path / "ancestor"
    ancestor.mkdir()
    held = {documents[0].id, documents[1].id}
    (ancestor / "data.json").write_text(json.dumps({"documents": [
        {"id": d.id, "split": "heldout" if d.id in held else "train"} for d in documents]}))
    assert main(["crossval", "--data", str(sample_corpus), "-o", str(tmp_path / "run"), "-k", "3",
                 "--gate-from", str(ancestor), "--dry-run"]) == 0
    assert "7 articles in folds, 2 in the gate set" in capsys.readouterr().out
    (ancestor / "data.json").unlink()
    assert main(["crossval", "--data", str(sample_corpus), "-o", str(tmp_path / "run"), "-k", "3",
                 "--gate-from", str(ancestor), "--dry-run"]) == 2
    assert "no data record" in capsys.readouterr().err


def test_parts_run_apart_and_a_plain_run_only_packages_them(
        sample_corpus: Path, tmp_path: Path, tiny_encoder: Path, monkeypatch: pytest.MonkeyPatch,
        caplog: pytest.LogCaptureFixture, capsys: pytest.CaptureFixture) -> None:
    """Folds and the final network train as separate processes would (on a GPU, say); the plain run
    afterwards trains nothing, and settings that only change speed do not split the run."""
    config = TrainConfig(**TINY, encoder_path=str(tiny_encoder), version="parts")
    settings = tmp_path / "settings.json"
    settings.write_text(json.dumps(config.model_dump(exclude={"threads"})))
    run = tmp_path / "run"
    command = ["crossval", "--data", str(sample_corpus), "-o", str(run), "-k", "3", "--gate-fraction", "0.12",
               "--config", str(settings)]
    for number, part in enumerate(["fold:2", "final", "fold:1", "fold:3"]):
        assert main([*command, "--part", part, "--threads", str(1 + number % 2), "--device", "cpu"]) == 0
    assert all((fold_dir(run, fold) / SCORES).is_file() for fold in range(3))
    assert not (run / "model").exists() and not (run / "figures").exists()
    finished = run / "final.work" / "finished.safetensors"
    assert finished.is_file() and not (run / "final.work" / "checkpoint.pt").exists()

    def no_training(self, output, example):
        raise AssertionError("a finished part was trained again")

    monkeypatch.setattr(Losses, "forward", no_training)
    with caplog.at_level(logging.INFO, logger="framing.train"):
        assert main(command) == 0
    assert caplog.text.count("finished earlier: skipped") == 3
    assert "training finished earlier (step 2 of 2)" in caplog.text
    from safetensors.torch import load_file

    assert Analyzer.load(run / "model").operating_points == ("precise", "sensitive")
    # The model folder holds the finished network (in the folder's own precision).
    trained, weights = load_file(finished), load_file(run / "model" / "weights.safetensors")
    name = next(n for n in weights if n.endswith("token_head.weight"))
    assert torch.allclose(weights[name].float(), trained[name], atol=1e-3)

    def repackage(*flags: str, **overrides) -> None:
        """The finished run packaged again with other settings (its model folder written anew)."""
        settings.write_text(json.dumps(config.model_dump(exclude={"threads"}) | overrides))
        shutil.rmtree(run / "model")
        caplog.clear()
        with caplog.at_level(logging.INFO, logger="framing"):
            assert main([*command, *flags]) == 0

    # The finished run packaged again under a new version: thresholds fitted anew, nothing trained.
    repackage(version="parts.1")
    assert "cross-validated figures of" in caplog.text
    assert Analyzer.load(run / "model").info.version == "parts.1"
    # ... and with another TF-IDF share for frames: it changes only how scores combine, so the run
    # takes it, refits its figures and serves it.
    repackage(version="parts.1", frame_lexical_weight=0.8)
    assert "cross-validated figures of" in caplog.text
    assert Manifest.load(run / "model").lexical_shares() == LexicalShares(config.lexical_weight, 0.8)
    served = Analyzer.load(run / "model").scorer  # the sentence-frame model wraps the ensemble
    assert served.base.shares == LexicalShares(config.lexical_weight, 0.8)
    assert json.loads((run / "figures" / "folds.json").read_text())["serving"]["frame_lexical_weight"] == 0.8
    # ... and with the article-frame model: the folds, trained without it, get its scores from their
    # saved fold models (none without its fold model), and the final model serves it.
    settings.write_text(json.dumps(config.model_dump(exclude={"threads"})
                                   | {"version": "parts.1", "article_frame_weight": 0.4}))
    shutil.rmtree(run / "model")
    (fold_dir(run, 0) / "model").rename(run / "fold-1-model")
    assert main(command) == 2
    assert "fold 1 cannot be given article-frame model scores" in capsys.readouterr().err
    (run / "fold-1-model").rename(fold_dir(run, 0) / "model")
    caplog.clear()
    with caplog.at_level(logging.INFO, logger="framing"):
        assert main(command) == 0
    assert caplog.text.count("fitting the article-frame model with the fold's network") == 3
    assert all("article_frames" in load_scores(fold_dir(run, f) / SCORES) for f in range(3))
    assert Manifest.load(run / "model").article_frame_weight == 0.4
    assert type(Analyzer.load(run / "model").scorer.base).__name__ == "ArticleFrameScorer"
    # ... and with spans that do not grow: thresholds refitted for it, stored with it, nothing trained.
    repackage(version="parts.1", span_extension=1.0, span_bridge=0)
    assert "cross-validated figures of" in caplog.text
    assert json.loads((run / "model" / "thresholds.json").read_text())["span_growth"] == {"extension": 1.0,
                                                                                          "bridge": 0}
    assert Analyzer.load(run / "model").thresholds.span_growth == SpanGrowth(1.0, 0)
    # ... and with the span memory: the folds, trained without it, get its raw scores from their saved
    # fold models; the figures blend them in, and the final model serves a memory of its own.
    repackage(version="parts.1", span_memory_share=0.5)
    assert caplog.text.count("fitting the span memory with the fold's network") == 3
    assert all("span_memory" in load_scores(fold_dir(run, f) / SCORES) for f in range(3))
    memory = ModelFolder(run / "model").span_memory()
    assert memory is not None and memory.share == 0.5
    assert json.loads((run / "figures" / "folds.json").read_text())["serving"]["span_memory_share"] == 0.5
    # ... and with the sentence-technique model: each fold's is fitted with its saved fold network, the
    # figures blend its scores in, and the final model serves one of its own.
    repackage(version="parts.1", sentence_technique_weight=0.3)
    assert caplog.text.count("fitting the sentence-technique model with the fold's network") == 3
    assert all("sentence_techniques" in load_scores(fold_dir(run, f) / SCORES) for f in range(3))
    assert Manifest.load(run / "model").sentence_technique_weight == 0.3
    assert ModelFolder(run / "model").sentence_techniques().settings["documents"] > 0
    assert json.loads((run / "figures" / "folds.json").read_text())["serving"]["sentence_technique_weight"] == 0.3
    assert type(Analyzer.load(run / "model").scorer.base).__name__ == "SentenceTechniqueScorer"
    # ... and with the sentence stack: fitted on the folds' out-of-fold scores, each fold judged by
    # stacks fitted without it (training.sentence_stack), saved with the figures and in the folder.
    repackage(version="parts.1", sentence_technique_weight=0.3, sentence_stack=True)
    assert "cross-validated figures of" in caplog.text
    assert json.loads((run / "figures" / "folds.json").read_text())["serving"]["sentence_stack"] is True
    stack = ModelFolder(run / "model").sentence_stack()
    assert stack is not None and stack.fitted.any()
    assert "sentence_stack.json" in json.loads((run / "model" / "hashes.json").read_text())["sha256"]
    assert "stacked: a logistic regression over the logits" in (run / "model" / "MODEL_CARD.md").read_text()
    stacking = Analyzer.load(run / "model").scorer.base  # the sentence-frame model wraps the stack
    assert type(stacking).__name__ == "StackingScorer" and stacking.stack.fitted.any()
    # ... and without it again: the blend, and no stack left in the figures for a later packaging to load.
    repackage(version="parts.1", sentence_technique_weight=0.3)
    assert ModelFolder(run / "model").sentence_stack() is None
    assert not (run / "figures" / "sentence_stack.json").exists()
    # Packaged again with the stack, keeping the reference rows: the network-alone and baseline rows
    # (and the baseline's thresholds) are the last packaging's, only the served system is fitted.
    before = json.loads((run / "figures" / "folds.json").read_text())
    baseline_thresholds = (run / "figures" / "baseline_thresholds.json").read_text()
    repackage("--reuse-reference-figures", version="parts.2", sentence_technique_weight=0.3, sentence_stack=True)
    assert caplog.text.count("kept from the last packaging") == 2
    assert caplog.text.count("cross-validated figures of ensemble") == 1
    assert caplog.text.count("cross-validated figures of network") == 0
    after = json.loads((run / "figures" / "folds.json").read_text())
    assert after["network"] == before["network"] and after["baseline"] == before["baseline"]
    assert after["serving"]["sentence_stack"] is True and after["version"] == "parts.2"
    assert (run / "figures" / "baseline_thresholds.json").read_text() == baseline_thresholds
    assert (run / "model" / "baseline_thresholds.json").read_text() == baseline_thresholds
    assert ModelFolder(run / "model").sentence_stack() is not None
    # ... and with the word stack: fitted with the sentence stack, its folds nested the same way; only
    # the served system is fitted again, and the folder serves it.
    repackage("--reuse-reference-figures", version="parts.2", sentence_technique_weight=0.3, sentence_stack=True,
              word_stack=True)
    assert caplog.text.count("cross-validated figures of ensemble") == 1
    words = ModelFolder(run / "model").sentence_stack().words
    assert words is not None and words.fitted[0] and words.lexicon.counts
    assert json.loads((run / "figures" / "folds.json").read_text())["serving"]["word_stack"] is True
    assert "word scores are stacked too" in (run / "model" / "MODEL_CARD.md").read_text()
    assert Analyzer.load(run / "model").scorer.base.stack.words is not None
    # ... but not when a setting that shapes those rows changed (span growth): all three are fitted.
    repackage("--reuse-reference-figures", version="parts.2", sentence_technique_weight=0.3, span_bridge=0)
    assert "kept from the last packaging" not in caplog.text
    assert caplog.text.count("cross-validated figures of") == 3
    settings.write_text(json.dumps(config.model_dump(exclude={"threads"})))

    assert main([*command, "--part", "fold:4"]) == 2
    assert main([*command, "--part", "nonsense"]) == 2
    (settings).write_text(json.dumps({**config.model_dump(exclude={"threads"}), "seed": 99}))
    assert main([*command, "--part", "fold:1"]) == 2, "another training setting: another run"


def test_a_run_that_lost_fold_models_is_finished_from_the_folds_it_kept(
        sample_corpus: Path, tmp_path: Path, tiny_encoder: Path) -> None:
    settings = tmp_path / "settings.json"
    settings.write_text(json.dumps(TrainConfig(**TINY, encoder_path=str(tiny_encoder)).model_dump()))
    run = tmp_path / "run"
    command = ["crossval", "--data", str(sample_corpus), "-o", str(run), "-k", "3", "--config", str(settings)]
    assert main([*command, "--use-folds", "2"]) == 2, "one fold cannot judge itself"
    assert main([*command, "--use-folds", "1,x"]) == 2
    assert main([*command, "--use-folds", "1,3"]) == 0
    assert not (fold_dir(run, 1) / SCORES).exists(), "a fold left out is not trained"
    metrics = TrainingMetrics.load(run / "model" / "metrics.json")
    assert metrics.cross_validation is not None and metrics.cross_validation.folds_used == [1, 3]
    plan = FoldPlan.make(read_semeval_folder(sample_corpus), 3, 13)
    used = sum(1 for f in plan.folds.values() if f in (0, 2))
    assert f"only the out-of-fold scores of folds 1, 3 ({used} articles)" in metrics.split.protocol
    assert all(len(figures.folds) == 2 for figures in metrics.cross_validation.systems.values())
    assert "| model, fold 3 |" in (run / "model" / "MODEL_CARD.md").read_text()
    # Every fold at hand later: the figures are computed again from all of them.
    assert main(command) == 0
    metrics = TrainingMetrics.load(run / "model" / "metrics.json")
    assert metrics.cross_validation is not None and metrics.cross_validation.folds_used is None
    assert all(len(figures.folds) == 3 for figures in metrics.cross_validation.systems.values())


def test_a_run_with_the_span_memory_fits_each_fold_s_memory_on_its_training_documents(
        sample_corpus: Path, tmp_path: Path, tiny_encoder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from framing.training import span_memory_fit

    documents = read_semeval_folder(sample_corpus)
    config = TrainConfig(**TINY, encoder_path=str(tiny_encoder), span_memory_share=0.5, span_memory_floor=0.0)
    remembered: list[set[str]] = []
    real_fit = span_memory_fit.fit_span_memory

    def spy_fit(scorer, docs, *args, **kwargs):
        remembered.append({d.id for d in docs})
        return real_fit(scorer, docs, *args, **kwargs)

    monkeypatch.setattr(span_memory_fit, "fit_span_memory", spy_fit)
    run = tmp_path / "run"
    crossval(documents, run, config, 3, gate_fraction=0.12)
    plan = FoldPlan.make(documents, 3, config.seed, 0.12)
    assert len(remembered) == 4, "one memory a fold, one for the final model"
    for fold in range(3):
        train_docs, heldout = plan.split(documents, fold)
        assert remembered[fold] == {d.id for d in train_docs}
        saved = load_scores(fold_dir(run, fold) / SCORES)
        assert set(saved["span_memory"]) == {d.id for d in heldout}
        assert ModelFolder(fold_dir(run, fold) / "model").span_memory() is not None
    assert remembered[3] == {d.id for d in plan.training(documents)}, "the gate set is never remembered"
    memory = ModelFolder(run / "model").span_memory()
    assert memory is not None and memory.settings["documents"] == len(plan.training(documents))
    Analyzer.load(run / "model").analyze("Thugs and hired goons beat the protesters.", "x")


def test_figures_cut_off_mid_save_are_not_loaded_as_complete(tmp_path: Path,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    """A packaging killed while it rewrites the run's figures must refit them, never serve the new
    thresholds beside the last packaging's report (report.json marks a complete set)."""
    from framing.model.thresholds import Thresholds
    from framing.training.crossval import Figures

    Figures("network", {}, {}, Thresholds(), None, version="1").save(tmp_path)
    assert Figures.load(tmp_path).version == "1"

    def killed(self, directory: Path) -> None:
        raise KeyboardInterrupt

    from framing.model.sentence_stack import SentenceStack
    from framing.model.taxonomy import TECHNIQUES

    monkeypatch.setattr(SentenceStack, "save", killed)  # the save dies after the thresholds are written
    n = len(TECHNIQUES)
    stack = SentenceStack(np.zeros((n, 3)), np.zeros(n), np.zeros(n, dtype=bool))
    with pytest.raises(KeyboardInterrupt):
        Figures("network", {}, {}, Thresholds(), None, version="2", stack=stack).save(tmp_path)
    assert (tmp_path / "thresholds.json").is_file() and Figures.load(tmp_path) is None
