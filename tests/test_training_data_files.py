"""The team-written training file data/training/loaded_labels.jsonl passes its checker and loads cleanly.

The checker's word rule keeps the file disjoint from the loaded-language probe, so the probe keeps
measuring generalisation; these tests also show the checker refuses what it is meant to refuse."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from framing.training.data_sources import load_training_data

ROOT = Path(__file__).resolve().parent.parent
FOLDER = ROOT / "data" / "training"
LOADED_LABELS = FOLDER / "loaded_labels.jsonl"


def _module(name: str):
    spec = importlib.util.spec_from_file_location(name, FOLDER / f"{name}.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


checker = _module("check_loaded_labels")


def test_checker_passes_the_shipped_file_with_enough_labels() -> None:
    result = subprocess.run([sys.executable, str(FOLDER / "check_loaded_labels.py")],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    problems, counts = checker.check(LOADED_LABELS)
    assert problems == []
    assert counts["records"] >= 220
    assert counts["loaded"] >= 130 and counts["neutral"] >= 90
    assert counts["distinct labels"] >= 110


def test_file_is_what_its_generator_writes() -> None:
    expected = _module("make_loaded_labels").records()
    assert [json.loads(line) for line in LOADED_LABELS.read_text(encoding="utf-8").splitlines()] == expected


def test_project_reader_loads_every_record_without_problems() -> None:
    data = load_training_data([str(LOADED_LABELS)], strict=True)
    lines = LOADED_LABELS.read_text(encoding="utf-8").splitlines()
    assert data.problems == []
    assert data.sources[0]["format"] == "simple"
    assert len(data.documents) == len(lines)
    techniques = Counter(span.technique for document in data.documents for span in document.spans)
    assert set(techniques) == {"Name_Calling-Labeling", "Loaded_Language"}
    assert all(document.frames is None for document in data.documents)  # frames not annotated here


def _write(tmp_path: Path, records: list[dict]) -> Path:
    path = tmp_path / "bad.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in records) + "\n", encoding="utf-8")
    return path


def _loaded(rid: str, text: str, word: str, label: str = "Name_Calling-Labeling") -> dict:
    start = text.index(word)
    return {"id": rid, "text": text, "spans": [{"start": start, "end": start + len(word), "label": label,
                                               "text": word}]}


@pytest.mark.parametrize("text", [
    "The Thugs arrived at dawn.",          # case
    "The tyrant's guards arrived at dawn.",  # possessive of a listed word
    "A henchman arrived at dawn.",         # singular of henchmen
    "The regimes arrived at dawn.",        # plural of regime
    "A tin pot ruler arrived at dawn.",    # hyphen written as a space
    "The takfiris arrived at dawn.",
    "The bloodsucker arrived at dawn.",    # a loaded word of the held-out probe
])
def test_checker_refuses_probe_words_anywhere(tmp_path: Path, text: str) -> None:
    path = _write(tmp_path, [{"id": "loaded-labels-001-neutral", "text": text, "spans": []}])
    problems, _ = checker.check(path)
    assert any("probe word" in problem for problem in problems)
    assert checker.main([str(path)]) == 1


def test_checker_leaves_longer_words_alone() -> None:
    pattern = checker.forbidden_pattern(checker.FORBIDDEN)
    assert not pattern.search("mobsters scummy regimental")
    assert pattern.search("mob-style")


def test_checker_refuses_bad_offsets_ids_and_contradictions(tmp_path: Path) -> None:
    good = _loaded("loaded-labels-001", "The goons came back.", "goons")
    shifted = dict(good, id="loaded-labels-002", spans=[dict(good["spans"][0], start=5, end=10)])
    records = [
        good,
        shifted,                                                        # span text != text[start:end]
        dict(good),                                                     # repeated id
        {"id": "loaded-labels-003-neutral", "text": "The goons left.", "spans": []},  # label unannotated
        _loaded("loaded-labels-004", "A shocking day.", "shocking", "Loaded_Language"),  # no label span
        _loaded("loaded-labels-005", "The goons came.", "goons", "Smears"),  # label outside the two
        {"id": "x 6", "text": "Fine words.", "spans": []},               # id pattern
    ]
    problems, _ = checker.check(_write(tmp_path, records))
    text = "\n".join(problems)
    for expected in ("line 2: span text", "line 3: id 'loaded-labels-001' repeated", "line 4: label 'goons'",
                     "line 5: loaded record", "line 6: span label 'Smears'", "line 7: id 'x 6'"):
        assert expected in text
    assert "line 1:" not in text
