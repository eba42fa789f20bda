"""The promote gate reads the loaded-language probe: a version that stops finding loaded words is refused
even when its corpus figures hold."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import numpy as np
import pytest
from support import article_counts, judged_figures, linked_copy

from framing.model.folder import ModelFolder, RegistryError
from framing.model.layout import PROMOTED
from framing.service.cli import main
from framing.training.gate import rescored
from framing.training.loaded_probe import LOADED_PAIRS, ProbeDataError, ProbeOutcome, load_pairs, probe_complaints
from framing.training.registry import Registry

PAIRS = [f"p{i:02d}" for i in range(40)]


def outcome(found: range | list[int], alarms: range | list[int] = ()) -> ProbeOutcome:
    return ProbeOutcome(tuple(PAIRS), frozenset(PAIRS[i] for i in found), frozenset(PAIRS[i] for i in alarms))


def test_probe_complaints_count_net_losses_beyond_the_allowance() -> None:
    old = outcome(range(30), [0])
    # 2 of 40 lost (the allowance is 5%: 2 pairs): no complaint; 3 lost: one.
    assert probe_complaints(old, outcome(range(2, 30), [0]), "v1") == []
    lost = probe_complaints(old, outcome(range(3, 30), [0]), "v1")
    assert len(lost) == 1 and "recall 0.675 < 0.750 of v1" in lost[0] and "3 of 40 loaded words" in lost[0]
    assert "p00, p01, p02" in lost[0]
    # Losses offset by gains on other pairs are not a fall.
    assert probe_complaints(old, outcome([*range(5, 30), 30, 31, 32, 33], [0]), "v1") == []
    # Neutral words newly flagged, net of those cleared.
    alarms = probe_complaints(old, outcome(range(30), [1, 2, 3, 4]), "v1")
    assert len(alarms) == 1 and "false alarms 0.100 > 0.025" in alarms[0]
    assert "4 neutral words newly flagged, 1 cleared" in alarms[0]
    assert probe_complaints(old, outcome(range(30), [1, 2]), "v1") == []
    assert probe_complaints(old, outcome(range(30), [1, 2, 3]), "v1") == []  # 3 raised, 1 cleared
    different = ProbeOutcome(tuple(PAIRS[:10]), frozenset(), frozenset())
    assert "different pairs" in probe_complaints(old, different, "v1")[0]


def deaf_copy(source: Path, target: Path) -> Path:
    """`source` with Loaded_Language and Name_Calling switched off (word and sentence thresholds above
    every score), its other files and figures untouched: a version whose corpus record equals its parent's."""
    linked_copy(source, target)
    thresholds = json.loads((source / "thresholds.json").read_text(encoding="utf-8"))
    for technique in ("Loaded_Language", "Name_Calling-Labeling"):
        thresholds["span"][technique] = thresholds["sentence"][technique] = 1.01
    for name in ("thresholds.json", "hashes.json"):  # hard links: replace, never write through
        (target / name).unlink()
    (target / "thresholds.json").write_text(json.dumps(thresholds), encoding="utf-8")
    ModelFolder(target).save_hashes()
    return target


def as_trained(model: Path) -> Path:
    """The folder as `framing train` would record it: its figures stand for its held-out articles (the
    shipped model's are cross-validated, which the gate would score again on the corpus)."""
    metrics = json.loads((model / "metrics.json").read_text(encoding="utf-8"))
    del metrics["cross_validation"]
    (model / "metrics.json").unlink()  # a hard link: replace, never write through
    (model / "metrics.json").write_text(json.dumps(metrics), encoding="utf-8")
    return model


@pytest.fixture
def registry(tmp_path: Path, shipped_model_dir: Path) -> Path:
    root = tmp_path / "registry"
    as_trained(linked_copy(shipped_model_dir, root / "versions" / "v1"))
    as_trained(deaf_copy(shipped_model_dir, root / "versions" / "v2"))
    Registry(root).promote("v1")
    probe = tmp_path / "probe.jsonl"  # the team's first twelve pairs: enough to show a loss, quick to run
    probe.write_text("".join(LOADED_PAIRS.read_text(encoding="utf-8").splitlines(keepends=True)[:12]),
                     encoding="utf-8")
    return root


def test_promote_refuses_a_version_that_loses_the_probe_though_its_corpus_figures_hold(
        registry: Path, capsys: pytest.CaptureFixture) -> None:
    probe = registry.parent / "probe.jsonl"
    args = ["models", "promote", "v2", "--registry", str(registry)]
    assert main([*args, "--probe", str(probe)]) == 1
    err = capsys.readouterr().err
    assert "refusing to promote v2" in err
    recall = re.search(r"loaded-language probe recall 0\.000 < ([0-9.]+) of v1 \((\d+) of 12 loaded words", err)
    assert recall and float(recall[1]) >= 0.5 and int(recall[2]) >= 6, err  # the shipped model finds most
    assert "paragraph_micro_f1" not in err  # the corpus figures (recorded, the same articles) did not fall
    assert (registry / PROMOTED).read_text(encoding="utf-8").strip() == "v1"

    assert main([*args, "--probe", str(probe), "--force"]) == 0
    assert "warning (forced): loaded-language probe recall" in capsys.readouterr().err
    assert main(["models", "promote", "v1", "--registry", str(registry), "--no-probe"]) == 0
    # Judged by the corpus figures alone, the deaf version passes: what the gate did without the probe.
    assert main([*args, "--no-probe"]) == 0
    assert (registry / PROMOTED).read_text(encoding="utf-8").strip() == "v2"


def test_a_malformed_probe_file_is_refused_before_anything_is_judged(registry: Path,
                                                                       capsys: pytest.CaptureFixture) -> None:
    bad = registry.parent / "bad.jsonl"
    shutil.copy(registry.parent / "probe.jsonl", bad)
    record = json.loads(bad.read_text(encoding="utf-8").splitlines()[0])
    record["loaded"]["start"] += 1
    bad.write_text(json.dumps(record) + "\n", encoding="utf-8")
    with pytest.raises(ProbeDataError):
        load_pairs(bad)
    assert main(["models", "promote", "v2", "--registry", str(registry), "--probe", str(bad)]) == 2
    assert "bad.jsonl:1 loaded: text[" in capsys.readouterr().err
    with pytest.raises(SystemExit) as usage:  # argparse: the two options exclude each other
        main(["models", "promote", "v2", "--registry", str(registry), "--probe", str(bad), "--no-probe"])
    assert usage.value.code == 2 and "not allowed with argument" in capsys.readouterr().err
    assert (registry / PROMOTED).read_text(encoding="utf-8").strip() == "v1"


def test_a_cross_validated_version_is_scored_again_not_compared_by_its_record(tmp_path: Path,
                                                                              shipped_model_dir: Path) -> None:
    """The shipped model records out-of-fold figures over 334 articles; a descendant records figures on
    the 37 gate articles. Compared as recorded, the parent's 0.399 paragraph F1 met the child's gate
    figure and refused it for a difference of article sets, not of models."""
    root = tmp_path / "registry"
    linked_copy(shipped_model_dir, root / "versions" / "v1")
    as_trained(linked_copy(shipped_model_dir, root / "versions" / "v2"))
    registry = Registry(root)
    registry.promote("v1")
    comparison = registry.compare("v2")
    assert isinstance(comparison, str) and "cross-validated figures" in comparison and "--data" in comparison
    with pytest.raises(RegistryError, match="cross-validated figures"):
        registry.promote("v2")


def test_promote_shows_the_falls_it_lets_pass_as_notes(registry: Path, capsys: pytest.CaptureFixture,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    """A fall inside the paired noise passes; the command says so on stderr in its own words, not
    through Python's last-resort log handler."""
    rng = np.random.default_rng(5)
    old = np.stack([article_counts(*c) for c in zip(*(rng.integers(4, 30, size=37),
                                                      rng.integers(0, 20, size=37),
                                                      rng.integers(0, 20, size=37)), strict=True)])
    new = old.copy()
    new[3, :3] = [old[3, 0] - 2, old[3, 1] + 2, old[3, 2] + 2]  # one article's paragraphs a little worse
    comparison = rescored(judged_figures(old), judged_figures(new))
    assert comparison is not None and comparison.notes("v1")
    monkeypatch.setattr(Registry, "compare", lambda self, version, documents=None, pairs=None: comparison)
    assert main(["models", "promote", "v2", "--registry", str(registry), "--no-probe"]) == 0
    err = capsys.readouterr().err
    assert "note: inside the noise, not refused: paragraph_micro_f1" in err
    assert (registry / PROMOTED).read_text(encoding="utf-8").strip() == "v2"
