"""`framing report`: figures checked against counts made by hand, JSONL and Parquet alike, bad input, escaping.

The hand-made corpus below is small enough to count on paper; the counts in the tests were made so.
"""

from __future__ import annotations

import datetime
import html
import json
from pathlib import Path

import pytest

from framing.service.cli import main as framing

duckdb = pytest.importorskip("duckdb", reason="the report extra is not installed (pip install -e '.[report]')")
pytest.importorskip("plotly", reason="the report extra is not installed (pip install -e '.[report]')")
pa = pytest.importorskip("pyarrow")
pq = pytest.importorskip("pyarrow.parquet")

from framing.service.report.aggregate import aggregate  # noqa: E402
from framing.service.report.load import ReportError, load  # noqa: E402

LL, NC, DOUBT = "Loaded_Language", "Name_Calling-Labeling", "Doubt"
INJECTION = "<script>alert(1)</script>"
ODD_SOURCE = "<b>B&amp;</b>"


def analysis(doc_id: str, sentences: list[tuple[list[str], list[str]]],
             spans: list[tuple[int, str, str, str]] = (), version: str = "1.0") -> dict:
    """An Analysis as `framing batch` writes it; sentences are (techniques, frames), spans (sentence, label, text,
    unit); the document lists every label a sentence has, as the decoder's output does."""
    techniques = list(dict.fromkeys(t for s in sentences for t in s[0]))
    frames = list(dict.fromkeys(f for s in sentences for f in s[1]))
    return {
        "id": doc_id, "model": {"name": "framing-test", "version": version},
        "frames": [{"label": f, "score": 0.5} for f in frames],
        "techniques": [{"label": t, "score": 0.5} for t in techniques],
        "sentences": [{"index": i, "start": 10 * i, "end": 10 * i + 9,
                       "techniques": [{"label": t, "score": 0.5} for t in ts],
                       "frames": [{"label": f, "score": 0.5} for f in fs]} for i, (ts, fs) in enumerate(sentences)],
        "spans": [{"start": 0, "end": len(text), "text": text, "label": label, "score": 0.5, "sentence": sentence,
                   "unit": unit} for sentence, label, text, unit in spans],
        "warnings": [], "operating_point": "precise",
    }


def corpus() -> list[tuple[dict, dict | None]]:
    """Five documents (Analysis, metadata); d4 has a source to escape and a date that is not one, d5 no metadata."""
    return [
        (analysis("d1", [([LL, NC], ["Political"]), ([], ["Economic"])],
                  [(0, LL, "shameful", "words"), (0, NC, "traitors", "words")]),
         {"source": "A", "date": "2024-01-01"}),
        (analysis("d2", [([LL], ["Political"]), ([LL, DOUBT], []), ([], [])],
                  [(0, LL, "Shameful", "words"), (1, LL, "shameful ", "words"),
                   (1, DOUBT, "so-called  experts", "words")]),
         {"source": "A", "date": "2024-01-02T08:30:00Z"}),
        (analysis("d3", [([], ["Economic"])]), {"source": "B", "date": "2024-01-15"}),
        (analysis("d4", [([DOUBT], ["Morality"])],
                  [(0, DOUBT, INJECTION, "words"), (0, DOUBT, f"They said {INJECTION} again.", "sentence")]),
         {"source": ODD_SOURCE, "date": "not a date"}),
        (analysis("d5", [([LL], [])], [(0, LL, "disgrace", "words")]), None),
    ]


def write_jsonl(path: Path, documents=None, extra_lines: tuple[str, ...] = ()) -> Path:
    lines = []
    for doc, metadata in documents or corpus():
        lines.append(json.dumps(doc if metadata is None else {**doc, "metadata": metadata}))
    path.write_text("\n".join([*lines[:2], *extra_lines, *lines[2:]]) + "\n", encoding="utf-8")
    return path


def parquet_table(documents=None) -> pa.Table:
    """The Ray engine's layout: id, model_version, operating_point, analysis (nested), metadata as columns."""
    rows = []
    for doc, metadata in documents or corpus():
        rows.append({"id": doc["id"], "model_version": doc["model"]["version"],
                     "operating_point": doc["operating_point"], "analysis": doc,
                     "source": (metadata or {}).get("source"), "date": (metadata or {}).get("date")})
    return pa.Table.from_pylist(rows)


def figures(path: Path, by: str | None = None, period: str | None = None) -> dict:
    loaded = load(path)
    try:
        values = aggregate(loaded, by=by, period=period).figures()
    finally:
        loaded.connection.close()
    return values


# ------------------------------------------------------------------ figures against counts made by hand


def test_rates_phrases_cooccurrence_and_articles_match_hand_counts(tmp_path):
    data = figures(write_jsonl(tmp_path / "a.jsonl"), by="source")
    assert (data["documents"], data["sentences"], data["flagged_sentences"]) == (5, 8, 5)
    assert data["fields"] == ["date", "source", "model_version", "operating_point"]
    # Documents with the technique / 5, sentences with it / 8.
    assert [(t["label"], t["documents"], t["sentences"]) for t in data["techniques"]] == [
        (LL, 3, 4), (DOUBT, 2, 2), (NC, 1, 1)]
    assert data["techniques"][0]["document_rate"] == pytest.approx(3 / 5)
    assert data["techniques"][0]["sentence_rate"] == pytest.approx(4 / 8)
    assert [(f["label"], f["documents"], f["sentences"]) for f in data["frames"]] == [
        ("Economic", 2, 2), ("Political", 2, 2), ("Morality", 1, 1)]
    # Largest group first, then by name; d5 has no source.
    groups = data["technique_groups"]
    assert groups["groups"] == ["A", "(none)", ODD_SOURCE, "B"]
    assert groups["documents"] == [2, 1, 1, 1]
    assert groups["labels"] == [LL, DOUBT, NC]
    assert groups["rates"] == [[1.0, 0.5, 0.5], [1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 0.0]]
    assert data["frame_groups"]["rates"][0] == [0.5, 1.0, 0.0]  # A: Economic in d1, Political in d1 and d2
    # Sentence-level pairs: d1s0 {LL, NC}, d2s0 {LL}, d2s1 {LL, Doubt}, d4s0 {Doubt}, d5s0 {LL}.
    assert data["cooccurrence_labels"] == [LL, DOUBT, NC]
    assert data["cooccurrence"] == [[4, 1, 1], [1, 2, 0], [1, 0, 1]]
    # Most flagged sentences first; ties by the flagged share, then input order.
    assert [(a["id"], a["flagged"], a["sentences"], a["group"]) for a in data["articles"]] == [
        ("d2", 2, 3, "A"), ("d4", 1, 1, ODD_SOURCE), ("d5", 1, 1, None), ("d1", 1, 2, "A")]
    assert data["articles"][0]["techniques"] == [(LL, 2), (DOUBT, 1)]


def test_phrases_are_counted_ignoring_case_and_spacing_with_examples(tmp_path):
    phrases = figures(write_jsonl(tmp_path / "a.jsonl"))["phrases"]
    assert [(p["text"], p["count"]) for p in phrases[LL]] == [("shameful", 3), ("disgrace", 1)]
    assert [(e["id"], e["sentence"], e["span"]) for e in phrases[LL][0]["examples"]] == [
        ("d1", 0, "shameful"), ("d2", 0, "Shameful"), ("d2", 1, "shameful ")]
    assert [(p["text"], p["count"]) for p in phrases[DOUBT]] == [(INJECTION.lower(), 1), ("so-called experts", 1)]
    # A sentence-unit span is not a phrase, but it gives the example its whole sentence.
    assert phrases[DOUBT][0]["examples"][0]["sentence_text"] == f"They said {INJECTION} again."
    assert [(p["text"], p["count"]) for p in phrases[NC]] == [("traitors", 1)]


def test_timeline_buckets_iso_dates_and_counts_the_undated(tmp_path):
    path = write_jsonl(tmp_path / "a.jsonl")
    by_day = figures(path)
    assert by_day["period"] == "day"  # 14 days apart
    assert by_day["undated"] == 2  # "not a date", and d5 without metadata
    assert by_day["timeline"]["groups"] == ["2024-01-01", "2024-01-02", "2024-01-15"]
    assert by_day["timeline"]["rates"] == [[1.0, 0.0, 1.0], [1.0, 1.0, 0.0], [0.0, 0.0, 0.0]]
    by_week = figures(path, period="week")
    assert by_week["timeline"]["groups"] == ["2024-01-01", "2024-01-15"]  # the Mondays
    assert by_week["timeline"]["documents"] == [2, 1]
    assert by_week["timeline"]["rates"][0] == [1.0, 0.5, 0.5]
    assert figures(path, by="date", period="month")["technique_groups"]["groups"] == ["2024-01"]


def test_jsonl_parquet_file_and_parquet_shards_give_the_same_report(tmp_path):
    jsonl = figures(write_jsonl(tmp_path / "a.jsonl"), by="source")
    with_text = parquet_table().append_column("text", pa.array(["an article's text"] * 5))
    pq.write_table(with_text, tmp_path / "a.parquet")
    assert figures(tmp_path / "a.parquet", by="source") == jsonl  # a text column is not a metadata field
    shards = tmp_path / "shards"
    shards.mkdir()
    table = parquet_table()
    pq.write_table(table.slice(0, 2), shards / "part-0.parquet")
    pq.write_table(table.slice(2), shards / "part-1.parquet")
    assert figures(shards, by="source") == jsonl
    # A batch folder's bookkeeping (`_errors/`, the job record, a part in progress) is not output.
    (shards / "_errors").mkdir()
    write_jsonl(shards / "_errors" / "part-0.jsonl")
    pq.write_table(table.slice(0, 1), shards / ".part-2.parquet")
    assert figures(shards, by="source") == jsonl
    errors_only = tmp_path / "errors-only"
    (errors_only / "_errors").mkdir(parents=True)
    write_jsonl(errors_only / "_errors" / "part-0.jsonl")
    with pytest.raises(ReportError, match=r"no \.parquet or \.jsonl files"):
        load(errors_only)


def test_parquet_dates_typed_as_dates_read_as_iso(tmp_path):
    table = parquet_table([item for item in corpus() if item[0]["id"] in ("d1", "d3")])
    dates = pa.array([datetime.date(2024, 1, 1), datetime.date(2024, 1, 15)])
    pq.write_table(table.set_column(table.schema.get_field_index("date"), "date", dates), tmp_path / "d.parquet")
    assert figures(tmp_path / "d.parquet")["timeline"]["groups"] == ["2024-01-01", "2024-01-15"]


# ------------------------------------------------------------------ bad input


def test_lines_that_are_not_analyses_are_counted_and_skipped(tmp_path, capsys):
    path = write_jsonl(tmp_path / "a.jsonl", extra_lines=(
        "not json", "[1, 2]", '{"id": "x", "text": "an input record, not an Analysis"}',
        json.dumps({**analysis("bad", [([LL], [])]), "sentences": "oops"}), ""))
    data = figures(path)
    assert data["documents"] == 5 and data["skipped"] == 4
    assert data["skipped_reasons"] == {"not JSON": 1, "not a JSON object": 1,
                                       "not an Analysis (model, techniques, frames, sentences or spans missing "
                                       "or malformed)": 2}
    assert framing(["report", str(path), "-o", str(tmp_path / "r.html")]) == 0
    err = capsys.readouterr().err
    assert "4 record(s) skipped: 1 not JSON, 1 not a JSON object, 2 not an Analysis" in err
    assert "4 record(s) skipped" in (tmp_path / "r.html").read_text(encoding="utf-8")


def test_unknown_field_missing_file_and_no_analysis_exit_2(tmp_path, capsys):
    path = write_jsonl(tmp_path / "a.jsonl")
    out = str(tmp_path / "r.html")
    assert framing(["report", str(path), "-o", out, "--by", "outlet"]) == 2
    assert ("framing report: unknown field 'outlet' for --by; the documents carry: date, source, model_version, "
            "operating_point") in capsys.readouterr().err
    assert framing(["report", str(tmp_path / "missing.jsonl"), "-o", out]) == 2
    assert "missing.jsonl: no such file or folder" in capsys.readouterr().err
    (tmp_path / "inputs.jsonl").write_text('{"id": "1", "text": "not scored yet"}\n', encoding="utf-8")
    assert framing(["report", str(tmp_path / "inputs.jsonl"), "-o", out]) == 2
    assert "no Analysis in it (1 record(s) skipped: 1 not an Analysis" in capsys.readouterr().err
    (tmp_path / "notes.txt").write_text("hello", encoding="utf-8")
    assert framing(["report", str(tmp_path / "notes.txt"), "-o", out]) == 2
    assert "cannot tell the format" in capsys.readouterr().err
    pq.write_table(pa.table({"id": ["1"], "text": ["x"]}), tmp_path / "inputs.parquet")
    assert framing(["report", str(tmp_path / "inputs.parquet"), "-o", out]) == 2
    assert "no `analysis` struct column" in capsys.readouterr().err
    assert not Path(out).exists()


# ------------------------------------------------------------------ the page


def test_page_is_self_contained_and_escapes_the_data(tmp_path):
    out = tmp_path / "r.html"
    assert framing(["report", str(write_jsonl(tmp_path / "a.jsonl")), "-o", str(out), "--by", "source"]) == 0
    page = out.read_text(encoding="utf-8")
    assert page.count("<script") == page.count("</script>")
    # Plotly's library once, inline; no script or style comes from elsewhere (the browser test checks requests).
    assert page.count("plotly.js v") == 1 and page.count("Plotly.newPlot") == 6
    assert "<script src" not in page and "<link" not in page
    for name in ("techniques", "frames", "technique_groups", "frame_groups", "timeline", "cooccurrence"):
        assert f'id="chart-{name}"' in page
    # The data's markup is text: escaped in the HTML, \\u003c-escaped inside the charts' JSON.
    assert INJECTION not in page and ODD_SOURCE not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "They said <mark>&lt;script&gt;alert(1)&lt;/script&gt;</mark> again." in page
    assert "&lt;b&gt;B&amp;amp;&lt;/b&gt;" in page
    assert out.stat().st_mode & 0o777 == 0o644


def test_mixed_model_versions_are_flagged(tmp_path):
    documents = corpus()
    documents[0] = (analysis("d1", [([LL], [])], version="2.0"), documents[0][1])
    out = tmp_path / "r.html"
    assert framing(["report", str(write_jsonl(tmp_path / "a.jsonl", documents)), "-o", str(out),
                    "--by", "model_version"]) == 0
    page = out.read_text(encoding="utf-8")
    assert "more than one model version" in page and "2.0 (1)" in page and "1.0 (4)" in page


# ------------------------------------------------------------------ end to end with the shipped model


def test_batch_then_report_end_to_end(tmp_path, shipped_model_dir, capsys):
    texts = [
        ("n1", "The corrupt regime keeps lying to our great nation. Officials met on Monday."),
        ("n2", "Critics say the shameful plan will bring total ruin. The minister denied it."),
        ("n3", "The council published the budget figures on Thursday."),
    ]
    source = tmp_path / "in.jsonl"
    source.write_text("".join(json.dumps({"id": i, "text": t}) + "\n" for i, t in texts), encoding="utf-8")
    scored = tmp_path / "scored.jsonl"
    assert framing(["batch", str(source), "-o", str(scored), "--model", str(shipped_model_dir), "--workers", "1",
                    "--no-progress"]) == 0
    # The local engine's metadata object, as the Ray engine's work adds it: written by hand here.
    metadata = {"n1": {"source": "Daily Planet", "date": "2025-03-01"},
                "n2": {"source": "Evening Star", "date": "2025-03-02"},
                "n3": {"source": "Daily Planet", "date": "2025-03-09"}}
    lines = [json.loads(line) for line in scored.read_text(encoding="utf-8").splitlines()]
    with_metadata = tmp_path / "with-metadata.jsonl"
    with_metadata.write_text("".join(json.dumps({**a, "metadata": metadata[a["id"]]}) + "\n" for a in lines),
                             encoding="utf-8")
    out = tmp_path / "report.html"
    capsys.readouterr()
    assert framing(["report", str(with_metadata), "-o", str(out), "--by", "source", "--texts", str(source)]) == 0
    err = capsys.readouterr().err
    assert "3 documents, 5 sentences" in err and "not found" not in err  # 2 + 2 + 1 sentences
    page = out.read_text(encoding="utf-8")
    assert "Daily Planet" in page and "Evening Star" in page
    found = {t["label"] for a in lines for t in a["techniques"]}
    assert found, "the shipped model found no technique in the loaded sentences"
    assert all(label in page for label in found)
    # --texts quotes each example's whole sentence, sliced from the input by the Analysis's offsets.
    span = next(s for a in lines for s in a["spans"] if s["unit"] == "words")
    analysis_of = next(a for a in lines if span in a["spans"])
    sentence = analysis_of["sentences"][span["sentence"]]
    text = dict(texts)[analysis_of["id"]]
    before = text[sentence["start"]:span["start"]]
    assert f"{html.escape(before)}<mark>{html.escape(span['text'])}</mark>" in page
    assert framing(["report", str(with_metadata), "-o", str(out), "--texts", str(tmp_path / "gone.jsonl")]) == 2
    assert "--texts: " in capsys.readouterr().err


def test_example_marks_the_span_at_its_offset_not_the_first_match():
    from framing.service.report.aggregate import Example
    from framing.service.report.page import example_html

    sentence = "Bad news is bad <news>."  # the sentence starts at 100 in its document
    second = Example("d", 0, "bad", sentence, start=100, end=123, offset=112)
    assert "Bad news is <mark>bad</mark> &lt;news&gt;." in example_html(second)
    unknown = Example("d", 0, "news", sentence, start=100, end=123, offset=None)
    assert "Bad <mark>news</mark> is bad" in example_html(unknown)
    without_text = Example("d", 2, "news", None)
    assert example_html(without_text) == ('<p class="example">… <mark>news</mark> … '
                                          '<span class="note">(d, sentence 3)</span></p>')


def test_parquet_rows_without_an_analysis_are_skipped_and_unreadable_files_refused(tmp_path, capsys):
    rows = parquet_table().to_pylist()
    rows.append({"id": "x", "model_version": "1.0", "operating_point": "precise", "analysis": None,
                 "source": "A", "date": "2024-01-03"})
    pq.write_table(pa.Table.from_pylist(rows, schema=parquet_table().schema), tmp_path / "a.parquet")
    data = figures(tmp_path / "a.parquet")
    assert (data["documents"], data["skipped"]) == (5, 1)
    assert data["skipped_reasons"] == {"not an Analysis (analysis missing or malformed)": 1}
    (tmp_path / "broken.parquet").write_bytes(b"not parquet")
    assert framing(["report", str(tmp_path / "broken.parquet"), "-o", str(tmp_path / "r.html")]) == 2
    assert "broken.parquet: cannot read it as parquet" in capsys.readouterr().err
    (tmp_path / "empty.jsonl").write_bytes(b"")
    assert framing(["report", str(tmp_path / "empty.jsonl"), "-o", str(tmp_path / "r.html")]) == 2
    assert "no Analysis in it (no record skipped)" in capsys.readouterr().err


def test_long_example_sentences_are_cut_around_the_span():
    from framing.service.report.aggregate import Example
    from framing.service.report.page import CONTEXT, example_html

    sentence = "word " * 100 + "SPAN" + " more" * 100
    shown = example_html(Example("d", 0, "SPAN", sentence, start=0, end=len(sentence), offset=500))
    assert "<mark>SPAN</mark>" in shown and shown.count("…") == 2
    assert len(shown) < len(sentence) and len(shown) < 2 * CONTEXT + 200
