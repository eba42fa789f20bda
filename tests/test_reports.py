"""The typed reports read every metrics/report file the project has written, and write the same JSON."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from framing.model.folder import SHIPPED_MODEL_DIR
from framing.training.config import SERVED_LEXICAL_WEIGHT, SERVED_QUANTIZATION, TrainConfig
from framing.training.reports import SystemReport, TrainingMetrics, load_reports, mean_report, reports_json


def test_the_shipped_metrics_validate_and_dump_to_the_same_json() -> None:
    path = SHIPPED_MODEL_DIR / "metrics.json"
    metrics = TrainingMetrics.load(path)
    assert metrics.served == "ensemble" and next(iter(metrics.reports)) == "model"
    # A cross-validated model: fold means, no cross-fitting deals.
    assert metrics.cross_validation is not None and metrics.reports["model"].fold_assignments is None
    # Byte for byte: ints stay ints (gold counts) and averaged counts stay floats.
    assert json.dumps(metrics.model_dump(), indent=2) == json.dumps(json.loads(path.read_text()), indent=2)
    # The stored summaries are the ones the reports give.
    assert {name: r.summary() for name, r in metrics.reports.items()} == metrics.summary


def test_the_shipped_report_validates_and_dumps_to_the_same_json(tmp_path: Path) -> None:
    path = SHIPPED_MODEL_DIR / "report" / "report.json"
    reports = load_reports(path)
    assert set(reports) == {"model", "network", "baseline"}
    assert json.loads(reports_json(reports)) == json.loads(path.read_text())
    assert reports_json(reports) == json.dumps(json.loads(path.read_text()), indent=2) + "\n"


def test_a_fixed_threshold_report_has_no_protocol_key() -> None:
    """`framing evaluate` reports never carried `fold_assignments`; the dump must not invent it."""
    raw = json.loads((SHIPPED_MODEL_DIR / "metrics.json").read_text())["reports"]["model"]
    raw.pop("fold_assignments", None)
    report = SystemReport.model_validate(raw)
    assert "fold_assignments" not in report.model_dump()
    assert report.model_dump() == raw


def test_mean_report_keeps_equal_counts_and_averages_the_rest() -> None:
    raw = json.loads((SHIPPED_MODEL_DIR / "metrics.json").read_text())["reports"]["network"]
    for score in raw["paragraph"]["per_label"].values():  # counts of one report are whole numbers
        score["support"] = round(score["support"])
    other = json.loads(json.dumps(raw))
    other["paragraph"]["micro_f1"] = raw["paragraph"]["micro_f1"] + 0.1
    other["spans"]["identification"]["predicted"] = raw["spans"]["identification"]["predicted"] + 2
    mean = mean_report([SystemReport.model_validate(raw), SystemReport.model_validate(other)])
    assert mean.paragraph.micro_f1 == pytest.approx(raw["paragraph"]["micro_f1"] + 0.05)
    assert mean.spans.identification.predicted == raw["spans"]["identification"]["predicted"] + 1
    assert mean.spans.identification.gold == raw["spans"]["identification"]["gold"]
    assert isinstance(mean.paragraph.per_label["Loaded_Language"].support, int)


def test_the_manifest_is_built_from_the_config_and_old_manifests_keep_their_defaults() -> None:
    from framing.model.manifest import Manifest

    config = TrainConfig(version="9.9.9", window_length=200, stride=150, article_context=True)
    served = config.manifest("some-encoder", served="ensemble", history=[{"epoch": 1.0}])
    assert (served.quantization, served.lexical_weight) == (SERVED_QUANTIZATION, SERVED_LEXICAL_WEIGHT)
    assert (served.version, served.window_length, served.stride, served.article_context) == ("9.9.9", 200, 150, True)
    assert served.encoder == "some-encoder"
    assert served.extra == {"config": config.model_dump(), "history": [{"epoch": 1.0}], "served": "ensemble"}
    # A folder serving the network alone records no TF-IDF share, whatever the config says.
    assert config.manifest("e", served="network", history=[]).lexical_weight == 0.0
    # Manifests written before quantisation and the ensemble existed were fp32/network-only.
    assert (Manifest().quantization, Manifest().lexical_weight) == ("none", 0.0)
    # The shipped model is what a fresh config serves.
    shipped = Manifest.load(SHIPPED_MODEL_DIR)
    assert (shipped.quantization, shipped.lexical_weight) == (TrainConfig().quantization, TrainConfig().lexical_weight)
