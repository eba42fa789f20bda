"""Two operating points (issue 14 item 4): `precise` (F1-fitted) and `sensitive` (recall-fitted).

Fitting is checked on synthetic scores; serving on copies of the shipped model given stand-in
sensitive thresholds, or none (a folder calibrated before the sensitive point, which must refuse it).
"""

from __future__ import annotations

import json
import shutil
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from fastapi.testclient import TestClient

from framing.model.analyzer import Analyzer
from framing.model.decoding import SPAN_GROWTH
from framing.model.errors import FramingError
from framing.model.folder import ModelFolder
from framing.model.layout import SENSITIVE_THRESHOLDS
from framing.model.scores import DocumentScores, PreparedText
from framing.model.taxonomy import FRAMES, TECHNIQUE_INDEX, TECHNIQUES
from framing.model.thresholds import OperatingPointError, OperatingPoints, Thresholds
from framing.service.api.app import create_app
from framing.service.batch import BatchError, BatchOptions, run_batch
from framing.service.cli import main
from framing.service.settings import Settings
from framing.training.calibrate import (
    GRID,
    OFF,
    PRECISION_FLOOR,
    _sensitive_choice,
    calibrate,
    sensitive_thresholds,
)
from framing.training.documents import Document, GoldSpan

TEXT = "Those corrupt thugs lied again.\nThe committee met on Tuesday."
LOADED = "The brutal, barbaric terrorists slaughtered innocent civilians while the regime's thugs looted."


# ------------------------------------------------------------------------------------ fitting


def test_sensitive_choice_takes_the_highest_threshold_that_meets_the_recall_target() -> None:
    n = len(GRID)
    gold = np.full(n, 10.0)
    found = np.where(GRID <= 0.5, 9.0, np.where(GRID <= 0.7, 6.0, 2.0))  # recall 0.9 / 0.6 / 0.2
    predicted = found * 2  # precision 0.5 everywhere
    assert _sensitive_choice(found, predicted, found, gold, ceiling=0.8) == pytest.approx(0.5)
    # Never above the precise threshold, even where the target is met higher up.
    assert _sensitive_choice(found, predicted, found, gold, ceiling=0.4) <= 0.4
    # Precision under the floor rules a threshold out: the F2 optimum among the others instead.
    sloppy = np.where(GRID <= 0.5, found / (PRECISION_FLOOR / 2), predicted)
    assert _sensitive_choice(found, sloppy, found, gold, ceiling=0.8) == pytest.approx(0.7)
    # A precise point that is itself under the floor: the floor is half its precision, so lower
    # thresholds at most half as precise still count (issue 14: Loaded_Language sat near 0.22).
    precise_low = np.where(GRID <= 0.5, found / 0.1, found / 0.2)  # precision 0.1 below 0.5, 0.2 above
    assert _sensitive_choice(found, precise_low, found, gold, ceiling=0.8) == pytest.approx(0.5)
    # 0.09 is under half of 0.2: the thresholds below 0.5 are out, the F2 optimum of the rest (recall 0.6)
    halved_too_far = np.where(GRID <= 0.5, found / 0.09, found / 0.2)
    assert _sensitive_choice(found, halved_too_far, found, gold, ceiling=0.8) == pytest.approx(0.7)
    # No threshold keeps the floor with any recall: keep the precise one.
    assert _sensitive_choice(found, predicted, np.zeros(n), gold, ceiling=0.8) is None


def synthetic(loaded_scores: list[float], false_alarm_scores: list[float]):
    """Articles whose loaded words ("corrupt thugs") score as given, and articles without them
    annotated where the same words score as `false_alarm_scores`; every other word scores 0.1."""
    loaded = TECHNIQUE_INDEX["Loaded_Language"]
    documents, prepared, scores = [], [], []
    for i, value in enumerate([*loaded_scores, *false_alarm_scores]):
        gold = i < len(loaded_scores)
        p = PreparedText.from_text(TEXT)
        words = np.full((len(p.words), len(TECHNIQUES)), 0.01, dtype=np.float32)
        inside = (p.words[:, 0] >= 6) & (p.words[:, 1] <= 19)
        words[:, loaded] = np.where(inside, value, 0.1)
        sentences = np.zeros((len(p.sentences), len(TECHNIQUES)), dtype=np.float32)
        documents.append(Document(id=str(i), text=TEXT, spans=[GoldSpan("Loaded_Language", 6, 19)] if gold else [],
                                  frames=["Political"]))
        prepared.append(p)
        scores.append(DocumentScores(words, sentences, np.zeros((len(p.sentences), len(FRAMES))),
                                     np.full(len(FRAMES), 0.5, dtype=np.float32)))
    return documents, prepared, scores


def test_sensitive_thresholds_reach_the_recall_the_precise_ones_trade_away() -> None:
    # Four loaded words score 0.8, two only 0.45; four unannotated articles score 0.5 there. For F1
    # the precise point stops above 0.5 (recall 4/6); the sensitive one goes down to 0.45.
    documents, prepared, scores = synthetic([0.8] * 4 + [0.45] * 2, [0.5] * 4)
    precise = calibrate(documents, prepared, scores)
    assert 0.5 < precise.span["Loaded_Language"] <= 0.8
    sensitive = sensitive_thresholds(documents, prepared, scores, precise)
    # The highest grid value that keeps the 0.45 words (stored as float32, just under 0.45).
    assert 0.4 <= sensitive.span["Loaded_Language"] <= 0.45
    assert sensitive.span_unit == precise.span_unit and sensitive.frame == precise.frame
    assert sensitive.span_growth == precise.span_growth == SPAN_GROWTH  # fitted with growth
    for kind in ("span", "sentence"):
        for name in TECHNIQUES:
            assert getattr(sensitive, kind)[name] <= getattr(precise, kind)[name], (kind, name)


def test_sensitive_thresholds_keep_the_precise_ones_where_data_are_too_few() -> None:
    documents, prepared, scores = synthetic([0.8] * 2 + [0.45], [0.5] * 4)  # 3 examples: under MIN_POSITIVES
    precise = calibrate(documents, prepared, scores)
    assert sensitive_thresholds(documents, prepared, scores, precise) == precise


# ------------------------------------------------------------------------------------ serving


def lowered(thresholds: Thresholds) -> Thresholds:
    """A stand-in sensitive point: span and sentence thresholds well below the precise ones."""
    return replace(thresholds, span={k: min(v, 0.1) for k, v in thresholds.span.items()},
                   sentence={k: min(v, 0.2) for k, v in thresholds.sentence.items()})


@pytest.fixture(scope="module")
def two_point_model(shipped_model_dir: Path, tmp_path_factory) -> Path:
    """A copy of the shipped model with sensitive thresholds beside its precise ones, hashed."""
    folder = ModelFolder(tmp_path_factory.mktemp("two-points") / "model")
    shutil.copytree(shipped_model_dir, folder.path)
    lowered(folder.thresholds()).save(folder.path / SENSITIVE_THRESHOLDS)
    folder.save_hashes()
    return folder.path


@pytest.fixture(scope="module")
def both(two_point_model: Path) -> Analyzer:
    return Analyzer.load(two_point_model)


@pytest.fixture(scope="module")
def precise_only_model(shipped_model_dir: Path, tmp_path_factory) -> Path:
    """A copy of the shipped model calibrated before the sensitive point existed (precise only)."""
    folder = ModelFolder(tmp_path_factory.mktemp("precise-only") / "model")
    shutil.copytree(shipped_model_dir, folder.path)
    (folder.path / SENSITIVE_THRESHOLDS).unlink()
    folder.save_hashes()
    return folder.path


@pytest.fixture(scope="module")
def precise_only(precise_only_model: Path) -> Analyzer:
    return Analyzer.load(precise_only_model)


def assert_sensitive_never_above_precise(analyzer: Analyzer) -> None:
    assert analyzer.operating_points == ("precise", "sensitive")
    precise, sensitive = analyzer.points.precise, analyzer.points.sensitive
    assert sensitive is not None
    for kind in ("span", "sentence"):
        for name in TECHNIQUES:
            assert getattr(sensitive, kind)[name] <= getattr(precise, kind)[name], (kind, name)


def test_the_shipped_model_serves_both_points_and_sensitive_only_adds(analyzer: Analyzer) -> None:
    assert_sensitive_never_above_precise(analyzer)


def test_a_folder_with_both_points_serves_both_and_records_which(both: Analyzer) -> None:
    assert both.operating_points == ("precise", "sensitive")
    precise = both.analyze(LOADED, "a")
    sensitive = both.analyze(LOADED, "a", "sensitive")
    assert precise.operating_point == "precise" and sensitive.operating_point == "sensitive"
    assert len(sensitive.spans) > len(precise.spans)
    # Lower thresholds only add highlights: every word precise marks, sensitive marks too.
    def marked(spans):
        return {(i, s.label) for s in spans if s.unit == "words" for i in range(s.start, s.end)}
    assert marked(precise.spans) <= marked(sensitive.spans)


def test_the_shipped_model_reports_precise_assertions_at_one_half_or_more_at_either_point(analyzer: Analyzer) -> None:
    text = LOADED + " Can anyone believe a word of what they say? The economy grew by two percent."
    precise, sensitive = analyzer.analyze(text), analyzer.analyze(text, sensitivity="sensitive")

    def scored(analysis) -> dict[tuple, float]:
        items = {("span", s.label, s.start, s.end): s.score for s in analysis.spans}
        items |= {("technique", t.label): t.score for t in analysis.techniques}
        items |= {("frame", f.label): f.score for f in analysis.frames}
        for sentence in analysis.sentences:
            items |= {("sentence", sentence.index, t.label): t.score for t in sentence.techniques}
        return items

    strict, loose = scored(precise), scored(sensitive)
    assert any(key[1] == "Loaded_Language" for key in strict) and len(loose) > len(strict)
    assert min(strict.values()) >= 0.5
    # What both points assert scores the same; what only the sensitive point adds scores under 0.5,
    # but for a span it grew further around a precise one (its lower threshold reaches more neighbours).
    assert {key: loose[key] for key in strict if key in loose} == {key: strict[key] for key in strict if key in loose}
    precise_spans = [key for key in strict if key[0] == "span"]

    def grown(key: tuple) -> bool:
        return any(p[1] == key[1] and key[2] <= p[2] and p[3] <= key[3] for p in precise_spans)

    extra = {key: score for key, score in loose.items() if key not in strict}
    assert extra and all(score < 0.5 for key, score in extra.items() if not grown(key))
    assert all(loose[key] in strict.values() for key in extra if grown(key))


def test_sensitive_thresholds_are_hash_checked(two_point_model: Path, tmp_path: Path) -> None:
    copy = tmp_path / "model"
    shutil.copytree(two_point_model, copy)
    raw = json.loads((copy / SENSITIVE_THRESHOLDS).read_text())
    raw["span"]["Loaded_Language"] = 0.9
    (copy / SENSITIVE_THRESHOLDS).write_text(json.dumps(raw))
    with pytest.raises(FramingError, match=SENSITIVE_THRESHOLDS):
        Analyzer.load(copy)


def test_a_folder_with_precise_thresholds_only_refuses_sensitive(precise_only: Analyzer) -> None:
    assert precise_only.operating_points == ("precise",)
    with pytest.raises(OperatingPointError, match="no 'sensitive' thresholds"):
        precise_only.analyze(LOADED, None, "sensitive")
    with pytest.raises(OperatingPointError, match="no 'sensitive' thresholds"):
        precise_only.analyze_each([LOADED], None, "sensitive")
    with pytest.raises(OperatingPointError, match="unknown sensitivity"):
        OperatingPoints(precise_only.thresholds).choose("loud")
    assert precise_only.analyze(LOADED).operating_point == "precise"


def test_the_api_chooses_the_point_per_request(both: Analyzer, precise_only: Analyzer) -> None:
    with TestClient(create_app(Settings(), analyzer=both)) as client:
        plain = client.post("/v1/analyze", json={"text": LOADED}).json()
        assert plain["operating_point"] == "precise"
        sensitive = client.post("/v1/analyze", json={"text": LOADED, "options": {"sensitivity": "sensitive"}})
        assert sensitive.status_code == 200 and sensitive.json()["operating_point"] == "sensitive"
        assert sensitive.json() == both.analyze(LOADED, None, "sensitive").model_dump(mode="json")
        batch = client.post("/v1/analyze/batch", json={"documents": [{"text": LOADED}, {"text": TEXT}],
                                                       "options": {"sensitivity": "sensitive"}}).json()
        assert [r["analysis"]["operating_point"] for r in batch["results"]] == ["sensitive", "sensitive"]
        unknown = client.post("/v1/analyze", json={"text": LOADED, "options": {"sensitivity": "loud"}})
        assert unknown.status_code == 422 and "options.sensitivity" in unknown.text
    with TestClient(create_app(Settings(), analyzer=precise_only)) as client:
        for path, body in (("/v1/analyze", {"text": LOADED}), ("/v1/analyze/batch", {"documents": [{"text": LOADED}]})):
            refused = client.post(path, json={**body, "options": {"sensitivity": "sensitive"}})
            assert refused.status_code == 422, refused.text
            assert refused.json()["code"] == "operating_point_unavailable"
            assert "precise only" in refused.json()["detail"]
        schema = client.get("/openapi.json").json()["components"]["schemas"]
        assert schema["AnalyzeOptions"]["properties"]["sensitivity"]["enum"] == ["precise", "sensitive"]


def test_the_cli_chooses_the_point_and_refuses_a_missing_one(two_point_model: Path, precise_only_model: Path,
                                                            capsys) -> None:
    assert main(["analyze", "--model", str(two_point_model), "--sensitivity", "sensitive", LOADED]) == 0
    assert json.loads(capsys.readouterr().out)["operating_point"] == "sensitive"
    assert main(["analyze", "--model", str(precise_only_model), LOADED]) == 0
    assert json.loads(capsys.readouterr().out)["operating_point"] == "precise"
    assert main(["analyze", "--model", str(precise_only_model), "--sensitivity", "sensitive", LOADED]) == 2
    assert "no 'sensitive' thresholds" in capsys.readouterr().err


def test_batch_chooses_the_point_and_refuses_a_missing_one(two_point_model: Path, precise_only_model: Path,
                                                          tmp_path: Path, capsys) -> None:
    source = tmp_path / "in.jsonl"
    source.write_text(json.dumps({"id": "a", "text": LOADED}) + "\n" + json.dumps({"id": "b", "text": TEXT}) + "\n")
    out = tmp_path / "out.jsonl"
    assert main(["batch", str(source), "-o", str(out), "--model", str(two_point_model), "--workers", "1",
                 "--sensitivity", "sensitive", "--no-progress"]) == 0
    lines = [json.loads(line) for line in out.read_text().splitlines()]
    assert [line["operating_point"] for line in lines] == ["sensitive", "sensitive"]
    refused = tmp_path / "refused.jsonl"
    assert main(["batch", str(source), "-o", str(refused), "--model", str(precise_only_model), "--workers", "1",
                 "--sensitivity", "sensitive", "--no-progress"]) == 2
    assert "calibrated without 'sensitive' thresholds" in capsys.readouterr().err
    with pytest.raises(BatchError, match="precise only"):
        run_batch(BatchOptions(input=str(source), output=tmp_path / "x.jsonl", model=precise_only_model,
                               workers=2, sensitivity="sensitive", progress=False))


def test_folder_save_writes_or_drops_the_sensitive_file(two_point_model: Path) -> None:
    points = ModelFolder(two_point_model).operating_points()
    assert points.available == ("precise", "sensitive")
    assert points.sensitive is not None and points.sensitive.span["Loaded_Language"] <= 0.1
    assert points.precise.span["Loaded_Language"] != OFF


# ------------------------------------------------------------------------- a trained model


@pytest.mark.slow
def test_a_trained_model_gets_both_points_and_sensitive_finds_at_least_as_much(sample_corpus: Path,
                                                                              tmp_path: Path, capsys) -> None:
    from framing.training.config import TrainConfig
    from framing.training.readers import read_semeval_folder
    from framing.training.train import train

    documents = read_semeval_folder(sample_corpus)
    model = tmp_path / "model"
    train(documents, model, TrainConfig(max_steps=4, checkpoint_every=2, heldout_fraction=0.34, threads=1,
                                        version="s1"))
    hashes = json.loads((model / "hashes.json").read_text())
    assert SENSITIVE_THRESHOLDS in hashes["sha256"]
    assert_sensitive_never_above_precise(Analyzer.load(model))

    # Measured on the held-out articles (the ones both points were fitted on), through the CLI.
    figures = {}
    for point in ("precise", "sensitive"):
        out = tmp_path / point
        assert main(["evaluate", "--data", str(sample_corpus), "--model", str(model), "--ids-from", str(model),
                     "--no-baseline", "--sensitivity", point, "-o", str(out)]) == 0
        figures[point] = json.loads((out / "report.json").read_text())
    capsys.readouterr()
    report = {point: f["model"] for point, f in figures.items()}
    for key in ("identification", "technique_micro"):
        assert report["sensitive"]["spans"][key]["recall"] >= report["precise"]["spans"][key]["recall"] - 1e-9
    assert report["sensitive"]["paragraph"]["micro_recall"] >= report["precise"]["paragraph"]["micro_recall"] - 1e-9


def test_a_resumed_batch_does_not_mix_operating_points(analyzer: Analyzer, tmp_path: Path) -> None:
    source = tmp_path / "in.jsonl"
    source.write_text(json.dumps({"id": "a", "text": LOADED}) + "\n")
    out = tmp_path / "out.jsonl"
    run_batch(BatchOptions(input=str(source), output=out, progress=False), analyzer=analyzer)
    source.write_text(source.read_text() + json.dumps({"id": "b", "text": TEXT}) + "\n")
    with pytest.raises(BatchError, match="precise operating point; resume it with --sensitivity precise"):
        run_batch(BatchOptions(input=str(source), output=out, progress=False, sensitivity="sensitive"),
                  analyzer=analyzer)


def test_evaluate_refuses_sensitive_for_a_model_without_it_and_for_predictions(
        precise_only_model: Path, sample_corpus: Path, tmp_path: Path, capsys) -> None:
    assert main(["evaluate", "--model", str(precise_only_model), "--data", str(sample_corpus), "--no-baseline",
                 "--sensitivity", "sensitive", "-o", str(tmp_path / "r")]) == 2
    assert "no 'sensitive' thresholds" in capsys.readouterr().err
    predictions = tmp_path / "p.jsonl"
    predictions.write_text("")
    assert main(["evaluate", "--predictions", str(predictions), "--data", str(sample_corpus),
                 "--sensitivity", "sensitive", "-o", str(tmp_path / "r")]) == 2
    assert "--sensitivity chooses the model's thresholds" in capsys.readouterr().err
