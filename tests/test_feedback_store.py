"""The feedback store: validated, durable, thread-safe, and it exports what the readers read."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
import threading
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import pytest

from framing.training.documents import GoldSpan, Problem
from framing.training.feedback_store import FEEDBACK_DB_ENV, FeedbackConflict, FeedbackStore, InvalidFeedback
from framing.training.import_formats import read_annotations

ROOT = Path(__file__).resolve().parent.parent
TEXT = "They call it reform; it is a reckless gamble by cowards."
SPAN = {"start": 29, "end": 44, "label": "Loaded_Language", "text": "reckless gamble"}
COWARDS = {"start": 48, "end": 55, "label": "Name_Calling-Labeling"}


def content(document) -> tuple:
    return document.id, document.text, tuple(document.spans), document.frames


@pytest.fixture
def store(tmp_path):
    with FeedbackStore(tmp_path / "feedback.db") as opened:
        yield opened


def test_schema_is_created_on_first_use_in_wal_mode(tmp_path):
    path = tmp_path / "nested" / "dir" / "feedback.db"
    with FeedbackStore(path) as store:
        assert len(store) == 0
        assert list(store.iter_documents()) == []
    with sqlite3.connect(path) as connection:
        assert connection.execute("PRAGMA journal_mode").fetchone() == ("wal",)
        assert connection.execute("SELECT COUNT(*) FROM feedback").fetchone() == (0,)


def test_add_export_read_round_trip(store, tmp_path):
    first = store.add(TEXT, [SPAN, COWARDS], ["Economic", "Political"], "v3")
    second = store.add("Nothing to see here, just a calm report.", [], [], "v3", id="calm-1")
    third = store.add(TEXT, [GoldSpan("Doubt", 0, 4)], None, None, id="no-frames")
    assert first.startswith("fb-") and (second, third) == ("calm-1", "no-frames")

    stored = list(store.iter_documents())
    assert [d.id for d in stored] == [first, "calm-1", "no-frames"]
    assert stored[0].spans == [GoldSpan("Loaded_Language", 29, 44), GoldSpan("Name_Calling-Labeling", 48, 55)]
    assert [d.frames for d in stored] == [["Economic", "Political"], [], None]

    out = tmp_path / "export.jsonl"
    assert store.export_jsonl(out) == 3
    result = read_annotations(out, strict=True)
    assert result.format == "simple"
    assert [content(d) for d in result.documents] == [content(d) for d in stored]

    meta = [json.loads(line)["meta"] for line in out.read_text(encoding="utf-8").splitlines()]
    assert [m["model_version"] for m in meta] == ["v3", "v3", None]
    for m in meta:
        assert datetime.fromisoformat(m["created_at"]).tzinfo is not None


def test_data_survives_closing_and_reopening(tmp_path):
    path = tmp_path / "feedback.db"
    store = FeedbackStore(path)
    store.add(TEXT, [SPAN], ["Economic"], "v1", id="kept")
    store.close()
    with pytest.raises(RuntimeError, match="closed"):
        store.add(TEXT, [], None, "v1")

    with FeedbackStore(path) as reopened:
        record = reopened.get("kept")
        assert record is not None
        expected = ("kept", TEXT, (GoldSpan("Loaded_Language", 29, 44),), ["Economic"])
        assert content(record.document) == expected
        assert record.model_version == "v1"
        reopened.add(TEXT, [], None, "v2", id="later")
        assert [d.id for d in reopened.iter_documents()] == ["kept", "later"]


def test_an_accepted_add_survives_the_process_dying(tmp_path):
    path = tmp_path / "feedback.db"
    script = (
        "import os, sys\n"
        "from training.feedback_store import FeedbackStore\n"
        "store = FeedbackStore(sys.argv[1])\n"
        "for n in range(5):\n"
        "    store.add('Those cowards ran.', [{'start': 6, 'end': 13, 'label': 'Name_Calling-Labeling'}],"
        " None, 'v1', id=f'crash-{n}')\n"
        "os._exit(0)  # no close, no cleanup\n"
    )
    subprocess.run([sys.executable, "-c", script, str(path)], cwd=ROOT, check=True, timeout=60)
    with FeedbackStore(path) as store:
        assert [d.id for d in store.iter_documents()] == [f"crash-{n}" for n in range(5)]


def test_concurrent_adds_from_threads_lose_nothing(tmp_path):
    path = tmp_path / "feedback.db"
    shared = FeedbackStore(path)
    second = FeedbackStore(path)  # a second connection, as another process would have
    threads, per_thread = 6, 20
    errors: list[BaseException] = []
    barrier = threading.Barrier(threads)

    def worker(number: int) -> None:
        target = second if number % 2 else shared
        try:
            barrier.wait()
            for n in range(per_thread):
                target.add(TEXT, [SPAN], ["Economic"], "v1", id=f"t{number}-{n}")
                target.add(TEXT, [COWARDS], None, "v1")  # generated ids
        except BaseException as error:
            errors.append(error)

    workers = [threading.Thread(target=worker, args=(n,)) for n in range(threads)]
    for thread in workers:
        thread.start()
    for thread in workers:
        thread.join()
    assert errors == []
    shared.close()
    second.close()

    with FeedbackStore(path) as store:
        ids = [d.id for d in store.iter_documents()]
    assert len(ids) == len(set(ids)) == threads * per_thread * 2
    assert {f"t{t}-{n}" for t in range(threads) for n in range(per_thread)} <= set(ids)


INVALID = [
    ("span past the end", dict(spans=[{"start": 29, "end": 99, "label": "Loaded_Language"}]),
     "outside the text"),
    ("start after end", dict(spans=[{"start": 44, "end": 29, "label": "Loaded_Language"}]), "not before end"),
    ("unknown technique", dict(spans=[{"start": 29, "end": 44, "label": "Propaganda"}]), "unknown technique"),
    ("span text mismatch", dict(spans=[{**SPAN, "text": "reckless"}]), "does not match"),
    ("span missing a field", dict(spans=[{"start": 29, "end": 44}]), "expected an object with start"),
    ("spans not a list", dict(spans="Loaded_Language"), "spans must be a list"),
    ("unknown frame", dict(frames=["Economy"]), "unknown frame 'Economy'"),
    ("empty text", dict(text="  ", spans=[]), "text is empty"),
    ("text not a string", dict(text=None, spans=[]), "text must be a string"),
    ("bad id", dict(id="a\nb"), "a tab or a newline"),
    ("bad model version", dict(model_version=""), "model_version"),
]


@pytest.mark.parametrize(("case", "change", "reason"), INVALID, ids=[c[0] for c in INVALID])
def test_an_invalid_add_is_rejected_and_stores_nothing(store, case, change, reason):
    arguments = dict(text=TEXT, spans=[SPAN], frames=["Economic"], model_version="v1") | change
    with pytest.raises(InvalidFeedback) as raised:
        store.add(**arguments)
    assert any(reason in r for r in raised.value.reasons), raised.value.reasons
    assert reason in str(raised.value)
    assert len(store) == 0
    assert list(store.iter_documents()) == []


def test_all_reasons_are_listed(store):
    with pytest.raises(InvalidFeedback) as raised:
        store.add("tiny", [{"start": 0, "end": 50, "label": "Nope"}], ["Nah"], "v1")
    assert len(raised.value.reasons) == 3


def test_problems_name_their_field_and_read_as_before(store):
    with pytest.raises(InvalidFeedback) as raised:
        store.add("tiny", [{"start": 0, "end": 50, "label": "Loaded_Language"}, {"start": 0}], ["Nah"], "",
                  id="a\tb")
    fields = [problem.field for problem in raised.value.problems]
    assert fields == ["spans.1", "model_version", "id", "spans.0", "frames"]
    assert raised.value.reasons[0].startswith("span 2: expected an object with start, end and label")
    assert raised.value.reasons[3] == "span 1: 0-50 lies outside the text (length 4)"
    assert str(Problem.span(2, "m")) == "span 3: m" and str(Problem("frames", "unknown frame 'Nah'")) == (
        "unknown frame 'Nah'")


def test_ids_are_never_overwritten_but_a_retry_is_harmless(store):
    assert store.add(TEXT, [SPAN], ["Economic"], "v1", id="x") == "x"
    assert store.add(TEXT, [SPAN], ["Economic"], "v1", id="x") == "x"  # same correction again
    with pytest.raises(FeedbackConflict, match="already stored"):
        store.add(TEXT, [SPAN], ["Political"], "v1", id="x")
    assert len(store) == 1
    assert store.get("x").document.frames == ["Economic"]


def test_spans_may_be_objects_with_attributes(store):
    @dataclass
    class ApiSpan:  # the shape a request model has
        start: int
        end: int
        label: str

    doc_id = store.add(TEXT, [ApiSpan(48, 55, "Name_Calling-Labeling")], None, "v1")
    assert store.get(doc_id).document.spans == [GoldSpan("Name_Calling-Labeling", 48, 55)]


def test_cli_export(tmp_path, monkeypatch, capsys):
    from framing.service.cli import main

    path = tmp_path / "feedback.db"
    with FeedbackStore(path) as store:
        store.add(TEXT, [SPAN], ["Economic"], "v1", id="one")
    out = tmp_path / "out.jsonl"
    assert main(["annotations", "export", "--db", str(path), "-o", str(out)]) == 0
    assert [d.id for d in read_annotations(out, strict=True).documents] == ["one"]

    monkeypatch.setenv(FEEDBACK_DB_ENV, str(path))
    capsys.readouterr()
    assert main(["annotations", "export", "-o", "-"]) == 0
    assert json.loads(capsys.readouterr().out)["id"] == "one"

    assert main(["annotations", "export", "--db", str(tmp_path / "none.db"), "-o", str(out)]) == 2
    assert "no feedback database" in capsys.readouterr().err
    assert not (tmp_path / "none.db").exists()

    bad = tmp_path / "bad.jsonl"
    record = {"id": "b", "text": "short", "spans": [{"start": 0, "end": 9, "label": "Doubt"}]}
    bad.write_text(json.dumps(record) + "\n", encoding="utf-8")
    assert main(["annotations", "check", str(bad)]) == 1
    assert f"{bad}:1: record 'b': span 1: 0-9 lies outside the text" in capsys.readouterr().out
    assert main(["annotations", "check", str(out)]) == 0
