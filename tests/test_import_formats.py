"""Annotation readers: each format reads, every kind of bad record is reported with file and line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from framing.training.documents import AnnotationError, Document, GoldSpan
from framing.training.import_formats import (
    detect_annotation_format,
    read_annotations,
    read_doccano_jsonl,
    read_labelstudio_json,
    write_jsonl,
)

SAMPLES = Path(__file__).resolve().parent.parent / "data" / "sample-formats"
TEXT = "They call it reform; it is a reckless gamble."  # "reckless gamble" is 29-44


def content(document: Document) -> tuple:
    """What a document says, without where it was read from."""
    return document.id, document.text, tuple(document.spans), document.frames


def write_lines(path: Path, records: list) -> Path:
    lines = [r if isinstance(r, str) else json.dumps(r, ensure_ascii=False) for r in records]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def simple(id_="d1", text=TEXT, spans=None, **extra) -> dict:
    spans = [{"start": 29, "end": 44, "label": "Loaded_Language"}] if spans is None else spans
    return {"id": id_, "text": text, "spans": spans, **extra}


# --- the shipped samples -----------------------------------------------------------------------


@pytest.mark.parametrize(("name", "fmt"), [
    ("simple.jsonl", "simple"), ("doccano.jsonl", "doccano"), ("labelstudio.json", "labelstudio"),
])
def test_each_sample_reads_cleanly(name, fmt):
    result = read_annotations(SAMPLES / name)
    assert detect_annotation_format(SAMPLES / name) == fmt
    assert result.format == fmt
    assert result.problems == []
    assert len(result.documents) == 3
    first = result.documents[0]
    assert GoldSpan("Loaded_Language", 12, 35) in first.spans
    assert first.text[12:35] == "reckless spending spree"
    assert first.frames == ["Economic", "Political"]
    assert first.source == f"{SAMPLES / name}:{1 if fmt != 'labelstudio' else 2}"


def test_the_three_samples_hold_the_same_annotations():
    by_format = {name: read_annotations(SAMPLES / name).documents
                 for name in ("simple.jsonl", "doccano.jsonl", "labelstudio.json")}
    simple_docs = by_format["simple.jsonl"]
    for name, documents in by_format.items():
        for mine, reference in zip(documents, simple_docs, strict=True):
            assert (mine.text, mine.spans) == (reference.text, reference.spans), name
    # Label Studio writes nothing when no frame is chosen: "not annotated", unlike the explicit [].
    assert simple_docs[2].frames == [] and by_format["doccano.jsonl"][2].frames == []
    assert by_format["labelstudio.json"][2].frames is None
    # Non-ASCII text: offsets are code points.
    second = simple_docs[1]
    assert second.text[24:35] == "café elites"
    assert [d.id for d in by_format["labelstudio.json"]] == ["sample-1", "sample-2", "sample-3"]
    assert [d.id for d in by_format["doccano.jsonl"]] == ["1", "2", "3"]


def test_written_jsonl_reads_back_the_same(tmp_path):
    documents = read_annotations(SAMPLES / "labelstudio.json").documents
    out = tmp_path / "out" / "docs.jsonl"
    assert write_jsonl(documents, out) == 3
    again = read_annotations(out)
    assert again.format == "simple" and again.problems == []
    assert [content(d) for d in again.documents] == [content(d) for d in documents]
    assert again.documents[2].frames is None  # null survives, not turned into []
    assert not list(out.parent.glob(".*.tmp"))


def test_write_jsonl_refuses_invalid_documents(tmp_path):
    bad = Document(id="x", text="short", spans=[GoldSpan("Loaded_Language", 0, 50)])
    with pytest.raises(ValueError, match="outside the text"):
        write_jsonl([bad], tmp_path / "bad.jsonl")
    duplicate = Document(id="x", text="short")
    with pytest.raises(ValueError, match="duplicate id"):
        write_jsonl([duplicate, duplicate], tmp_path / "dup.jsonl")
    assert not list(tmp_path.iterdir())  # nothing half-written left behind


# --- simple format ---------------------------------------------------------------------------


def test_simple_frames_absent_null_and_empty_are_kept_apart(tmp_path):
    path = write_lines(tmp_path / "f.jsonl", [
        simple("a", frames=["Economic", "Economic"]), simple("b"), simple("c", frames=None),
        simple("d", frames=[]),
    ])
    result = read_annotations(path)
    assert result.problems == []
    assert [d.frames for d in result.documents] == [["Economic"], None, None, []]


def test_simple_accepts_integer_ids_overlapping_spans_and_unicode_line_separators(tmp_path):
    text = "First line\u2028still the same record: a reckless gamble."
    start = text.index("reckless")
    spans = [{"start": start, "end": start + 15, "label": "Loaded_Language"},
             {"start": start, "end": start + 8, "label": "Exaggeration-Minimisation"},
             {"start": start, "end": start + 15, "label": "Loaded_Language"}]  # duplicate, merged
    path = write_lines(tmp_path / "u.jsonl", [simple(7, text=text, spans=spans)])
    (document,) = read_annotations(path, strict=True).documents
    assert document.id == "7"
    assert document.text == text
    assert document.spans == [GoldSpan("Exaggeration-Minimisation", start, start + 8),
                              GoldSpan("Loaded_Language", start, start + 15)]


BROKEN_SIMPLE = [
    ("offset past the end", simple(spans=[{"start": 29, "end": 99, "label": "Loaded_Language"}]),
     "lies outside the text (length 45)"),
    ("negative offset", simple(spans=[{"start": -1, "end": 4, "label": "Loaded_Language"}]),
     "lies outside the text"),
    ("start after end", simple(spans=[{"start": 44, "end": 29, "label": "Loaded_Language"}]),
     "start 44 is not before end 29"),
    ("empty span", simple(spans=[{"start": 29, "end": 29, "label": "Loaded_Language"}]),
     "start 29 is not before end 29"),
    ("offset not an integer", simple(spans=[{"start": "29", "end": 44.0, "label": "Loaded_Language"}]),
     "start and end must be integers"),
    ("unknown technique", simple(spans=[{"start": 29, "end": 44, "label": "Loaded language"}]),
     "unknown technique 'Loaded language' (did you mean 'Loaded_Language'?)"),
    ("unknown frame", simple(frames=["Economy"]), "unknown frame 'Economy'"),
    ("frames not a list", simple(frames="Economic"), "frames must be a list"),
    ("span text mismatch",
     simple(spans=[{"start": 29, "end": 44, "label": "Loaded_Language", "text": "reckless gambit"}]),
     "does not match text[29:44] = 'reckless gamble'"),
    ("empty text", simple(text="   ", spans=[]), "text is empty"),
    ("text not a string", simple(text=["a"], spans=[]), "text must be a string"),
    ("missing id", {"text": TEXT}, "missing 'id'"),
    ("blank id", simple(id_=" "), "id must be a non-empty string"),
    ("id with a tab", simple(id_="a\tb"), "a tab or a newline"),
    ("misspelt key", {**simple(), "frame": ["Economic"]}, "unknown keys ['frame']"),
    ("span without label", simple(spans=[{"start": 29, "end": 44}]), "expected an object with start"),
    ("spans not a list", simple(spans={"start": 1}), "spans must be a list"),
    ("not JSON", '{"id": "d1", "text": ', "not valid JSON"),
    ("not an object", "[1, 2, 3]", "expected a JSON object, got list"),
]


@pytest.mark.parametrize(("case", "record", "reason"), BROKEN_SIMPLE, ids=[c[0] for c in BROKEN_SIMPLE])
def test_each_bad_simple_record_is_reported_with_file_and_line(tmp_path, case, record, reason):
    # Lines: 1 good, 2 blank (skipped, still counted), 3 the bad record, 4 good.
    path = write_lines(tmp_path / "broken.jsonl", [simple("good-1"), "", record, simple("good-2")])
    result = read_annotations(path, format="simple")
    assert [d.id for d in result.documents] == ["good-1", "good-2"]
    assert result.problems, case
    for problem in result.problems:
        assert isinstance(problem, AnnotationError)
        assert (problem.source, problem.line) == (str(path), 3)
        assert str(problem).startswith(f"{path}:3: ")
    assert any(reason in problem.reason for problem in result.problems), result.problems

    with pytest.raises(AnnotationError) as raised:
        read_annotations(path, strict=True, format="simple")
    assert raised.value.line == 3


def test_every_reason_of_a_bad_record_is_listed(tmp_path):
    record = simple(text="tiny", spans=[{"start": 0, "end": 50, "label": "Nope"}], frames=["Nah"])
    path = write_lines(tmp_path / "many.jsonl", [record])
    reasons = [p.reason for p in read_annotations(path).problems]
    assert len(reasons) == 3
    assert all(r.startswith("record 'd1': ") for r in reasons)


def test_duplicate_id_names_the_first_line(tmp_path):
    path = write_lines(tmp_path / "dup.jsonl", [simple("same"), simple("other"), simple("same")])
    result = read_annotations(path)
    assert [d.id for d in result.documents] == ["same", "other"]
    (problem,) = result.problems
    assert problem.line == 3
    assert "duplicate id 'same' (first used on line 1)" in problem.reason


def test_a_line_that_is_not_utf8_is_one_bad_record(tmp_path):
    path = tmp_path / "latin1.jsonl"
    latin1 = '{"id": "b", "text": "caf\xe9"}'.encode("latin-1")
    path.write_bytes(json.dumps(simple("a")).encode() + b"\n" + latin1 + b"\n")
    result = read_annotations(path)
    assert [d.id for d in result.documents] == ["a"]
    assert result.problems[0].line == 2 and "not valid UTF-8" in result.problems[0].reason


# --- doccano ---------------------------------------------------------------------------------


def test_doccano_variants(tmp_path):
    path = write_lines(tmp_path / "doccano.jsonl", [
        {"id": 1, "text": TEXT, "label": [[29, 44, "Loaded_Language"]]},
        {"id": 2, "data": TEXT, "labels": [[0, 4, "Doubt"]], "cats": ["Economic"]},
        {"id": 3, "text": TEXT, "entities": [
            {"id": 9, "label": "Slogans", "start_offset": 5, "end_offset": 19}], "relations": []},
        {"text": TEXT, "label": ["Political", [29, 44, "Loaded_Language"]]},
    ])
    result = read_annotations(path)
    assert result.format == "doccano" and result.problems == []
    one, two, three, four = result.documents
    assert (one.id, one.spans, one.frames) == ("1", [GoldSpan("Loaded_Language", 29, 44)], None)
    assert (two.spans, two.frames) == ([GoldSpan("Doubt", 0, 4)], ["Economic"])
    assert three.spans == [GoldSpan("Slogans", 5, 19)]
    assert (four.id, four.frames) == ("doccano-4", ["Political"])


def test_doccano_bad_records(tmp_path):
    path = write_lines(tmp_path / "doccano.jsonl", [
        {"id": 1, "text": TEXT, "label": [[29, 44, "Loaded_Language"]]},
        {"id": 2, "text": TEXT, "label": [[29, 44]]},
        {"id": 3, "text": TEXT, "label": [[29, 46, "Loaded_Language"]]},
        {"id": 4, "text": TEXT, "label": [[29, 44, "LOADED"]]},
        {"id": 5, "label": [[29, 44, "Loaded_Language"]]},
        {"id": 6, "text": TEXT, "cats": ["Economy"]},
        {"id": 1, "text": TEXT, "label": []},
    ])
    result = read_doccano_jsonl(path)
    assert [d.id for d in result.documents] == ["1"]
    reasons = {p.line: p.reason for p in result.problems}
    assert set(reasons) == {2, 3, 4, 5, 6, 7}
    assert "expected [start, end, label]" in reasons[2]
    assert "outside the text" in reasons[3]
    assert "unknown technique 'LOADED'" in reasons[4]
    assert "missing 'text'" in reasons[5]
    assert "unknown frame 'Economy'" in reasons[6]
    assert "duplicate id '1'" in reasons[7]
    assert all(p.source == str(path) for p in result.problems)


# --- Label Studio ----------------------------------------------------------------------------


def ls_task(task_id, text=TEXT, spans=((29, 44, "Loaded_Language"),), frames=None, data_id=None,
            **annotation):
    result = [{"type": "labels", "from_name": "label", "to_name": "text", "id": f"r{i}",
               "value": {"start": s, "end": e, "text": text[s:e] if isinstance(text, str) else None,
                         "labels": [label]}}
              for i, (s, e, label) in enumerate(spans)]
    if frames is not None:
        result.append({"type": "choices", "from_name": "frames", "to_name": "text",
                       "value": {"choices": frames}})
    data = {"text": text} if data_id is None else {"text": text, "id": data_id}
    return {"id": task_id, "data": data,
            "annotations": [{"result": result, "was_cancelled": False, **annotation}], "predictions": []}


def write_tasks(path: Path, tasks: list) -> Path:
    path.write_text(json.dumps(tasks, indent=1, ensure_ascii=False), encoding="utf-8")
    return path


def task_lines(path: Path) -> list[int]:
    """Line numbers where each top-level task starts in an indent=1 dump."""
    return [n for n, line in enumerate(path.read_text().splitlines(), start=1) if line == " {"]


def test_labelstudio_ids_frames_and_annotation_choice(tmp_path):
    chosen = ls_task(3, frames=["Economic"])
    chosen["annotations"].insert(0, {"result": [], "was_cancelled": True})
    chosen["annotations"].append({"result": [], "ground_truth": True})  # the reviewed one wins
    other_choices = ls_task(4, frames=None)
    other_choices["annotations"][0]["result"].append(
        {"type": "choices", "from_name": "genre", "value": {"choices": ["opinion"]}})
    path = write_tasks(tmp_path / "ls.json", [
        ls_task(1, frames=["Economic", "Political"], data_id="article-1"),
        ls_task(2, spans=[(29, 44, "Loaded_Language"), (0, 4, "Doubt")]),
        chosen, other_choices,
    ])
    result = read_annotations(path, strict=True)
    assert result.format == "labelstudio"
    one, two, three, four = result.documents
    assert (one.id, one.frames) == ("article-1", ["Economic", "Political"])
    assert (two.id, two.frames) == ("2", None)
    assert two.spans == [GoldSpan("Doubt", 0, 4), GoldSpan("Loaded_Language", 29, 44)]
    assert (three.spans, three.frames) == ([], None)
    assert four.frames is None
    assert [d.source for d in result.documents] == [f"{path}:{n}" for n in task_lines(path)]


def test_labelstudio_utf16_offsets(tmp_path):
    text = "Crowds cheered 🎉🎉 the glorious victory of our heroes."
    start = text.index("glorious victory")
    task = ls_task(1, text=text, spans=[(start, start + 16, "Loaded_Language")])
    value = task["annotations"][0]["result"][0]["value"]
    value.update(start=start + 2, end=start + 18)  # two astral characters before it: +2 UTF-16 units
    (document,) = read_annotations(write_tasks(tmp_path / "emoji.json", [task]), strict=True).documents
    assert document.spans == [GoldSpan("Loaded_Language", start, start + 16)]


def test_labelstudio_bad_tasks_are_reported_with_the_line_they_start_on(tmp_path):
    mismatch = ls_task(2)
    mismatch["annotations"][0]["result"][0]["value"]["text"] = "something else"
    cancelled = ls_task(4)
    cancelled["annotations"][0]["was_cancelled"] = True
    tasks = [
        ls_task(1),
        mismatch,
        ls_task(3, spans=[(29, 44, "Loaded-Language")]),
        cancelled,
        {"id": 5, "data": {"content": TEXT}, "annotations": []},
        ls_task(6, frames=["Economy"]),
        ls_task(7, spans=[(29, 80, "Loaded_Language")]),
        ls_task(1),
        ls_task(9, text=""),
        "not a task",
    ]
    path = write_tasks(tmp_path / "ls.json", tasks)
    lines = [*task_lines(path), len(path.read_text().splitlines()) - 1]  # the string element's line
    result = read_labelstudio_json(path)
    assert [d.id for d in result.documents] == ["1"]
    by_line: dict[int | None, str] = {}
    for problem in result.problems:
        by_line[problem.line] = by_line.get(problem.line, "") + problem.reason + "\n"
    assert set(by_line) == set(lines[1:]), result.problems
    assert "does not match" in by_line[lines[1]] and by_line[lines[1]].startswith("task 2 (id 2): ")
    assert "unknown technique 'Loaded-Language'" in by_line[lines[2]]
    assert "no completed annotation" in by_line[lines[3]]
    assert "data has no 'text' field (keys: ['content'])" in by_line[lines[4]]
    assert "unknown frame 'Economy'" in by_line[lines[5]]
    assert "outside the text" in by_line[lines[6]]
    assert f"duplicate id '1' (first used on line {lines[0]})" in by_line[lines[7]]
    assert "text is empty" in by_line[lines[8]]
    assert "expected an object" in by_line[lines[9]]

    with pytest.raises(AnnotationError) as raised:
        read_labelstudio_json(path, strict=True)
    assert (raised.value.source, raised.value.line) == (str(path), lines[1])


def test_labelstudio_file_that_is_not_valid_json_raises_with_its_line(tmp_path):
    path = tmp_path / "cut.json"
    path.write_text(json.dumps([ls_task(1), ls_task(2)], indent=1)[:-40], encoding="utf-8")
    with pytest.raises(AnnotationError, match="not valid JSON") as raised:
        read_annotations(path)
    assert raised.value.line is not None and raised.value.line > 1


# --- detection and file-level errors -----------------------------------------------------------


def test_file_level_errors_always_raise(tmp_path):
    empty = tmp_path / "empty.jsonl"
    empty.write_text("\n  \n")
    with pytest.raises(AnnotationError, match="file is empty"):
        read_annotations(empty)
    with pytest.raises(AnnotationError, match="no such file"):
        read_annotations(tmp_path / "missing.jsonl")
    csv = tmp_path / "data.csv"
    csv.write_text("id,text\n1,hello\n")
    with pytest.raises(AnnotationError, match="not an annotation file"):
        read_annotations(csv)
    with pytest.raises(ValueError, match="unknown annotation format"):
        read_annotations(csv, format="brat")


def test_folder_goes_to_the_semeval_reader(tmp_path):
    (tmp_path / "train-articles-subtask-3").mkdir()
    (tmp_path / "train-articles-subtask-3" / "article1.txt").write_text(TEXT, encoding="utf-8")
    (tmp_path / "train-labels-subtask-3-spans").mkdir()
    (tmp_path / "train-labels-subtask-3-spans" / "article1-labels-subtask-3.txt").write_text(
        "1\tLoaded_Language\t29\t44\n", encoding="utf-8")
    result = read_annotations(tmp_path)
    assert result.format == "semeval"
    expected = ("1", TEXT, (GoldSpan("Loaded_Language", 29, 44),), None)
    assert [content(d) for d in result.documents] == [expected]
