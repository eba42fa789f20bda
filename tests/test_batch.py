"""`framing batch`: input formats (broken ones too), errors file, resume, and interrupted runs."""

from __future__ import annotations

import csv
import io
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from framing.model.schema import Analysis
from framing.service.batch import BatchError, BatchOptions, default_errors_path, detect_input_kind, run_batch
from framing.service.cli import main as framing
from framing.training.predictions import PredictionsError, read_predictions_jsonl
from framing.training.semeval_writer import FRAMES_FILE, PARAGRAPHS_FILE, SPANS_FOLDER


def make_text(i: int) -> str:
    return (f"Report {i}: the corrupt regime keeps lying to our great nation.\n\n"
            f"Critics say the plan will bring total ruin. Officials deny it.")


def run(tmp_path: Path, source, analyzer, **options):
    options.setdefault("output", tmp_path / "out.jsonl")
    messages: list[str] = []
    summary = run_batch(BatchOptions(input=str(source), **options), log=messages.append, analyzer=analyzer)
    return summary, messages


def output_lines(path: Path) -> list[bytes]:
    return path.read_bytes().splitlines(keepends=True) if path.exists() else []


def output_ids(path: Path) -> list[str]:
    ids = []
    for raw in output_lines(path):
        assert raw.endswith(b"\n"), f"truncated line in {path}: {raw[:80]!r}"
        ids.append(Analysis.model_validate_json(raw).id)
    return ids


def errors_of(output: Path) -> dict[str | None, str]:
    path = default_errors_path(output)
    if not path.exists():
        return {}
    records = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    assert all({"id", "source", "reason"} <= record.keys() for record in records)
    return {record["id"]: record["reason"] for record in records}


def write_jsonl(path: Path, records) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return path


# --- input formats ----------------------------------------------------------------------------


def test_folder_of_txt_files_with_broken_files(tmp_path, analyzer):
    folder = tmp_path / "articles"
    folder.mkdir()
    texts = {f"article{i}": make_text(i) for i in range(3)}
    texts["crlf"] = "Windows line one.\r\nLine two, unchanged offsets.\r\n"
    for doc_id, text in texts.items():
        (folder / f"{doc_id}.txt").write_bytes(text.encode("utf-8"))
    (folder / "latin1.txt").write_bytes("Caf\xe9 au lait, na\xefve r\xe9sum\xe9.".encode("latin-1"))
    (folder / "blank.txt").write_text("  \n\n", encoding="utf-8")
    (folder / "huge.txt").write_text("word " * 400, encoding="utf-8")
    (folder / "gone.txt").symlink_to(tmp_path / "does-not-exist.txt")
    (folder / "notes.md").write_text("not a .txt file, ignored", encoding="utf-8")

    summary, _ = run(tmp_path, folder, analyzer, max_chars=1000)

    out = tmp_path / "out.jsonl"
    assert sorted(output_ids(out)) == sorted(texts)
    for raw in output_lines(out):
        analysis = Analysis.model_validate_json(raw)
        text = texts[analysis.id]
        for span in analysis.spans:
            assert text[span.start:span.end] == span.text
        for sentence in analysis.sentences:
            assert 0 <= sentence.start < sentence.end <= len(text)
    errors = errors_of(out)
    assert set(errors) == {"latin1", "blank", "huge", "gone"}
    assert "UTF-8" in errors["latin1"]
    assert errors["blank"] == "text is empty"
    assert "limit" in errors["huge"]
    assert "cannot read" in errors["gone"]
    assert (summary.done, summary.skipped, summary.failed) == (4, 0, 4)


def test_jsonl_with_broken_lines(tmp_path, analyzer):
    source = tmp_path / "docs.jsonl"
    lines = [
        json.dumps({"id": "a", "text": make_text(1)}),
        json.dumps({"id": 7, "text": make_text(2), "extra": "ignored"}),
        "",
        '{"id": "broken", "text": "no closing brace"',
        json.dumps({"id": "no-text"}),
        json.dumps({"text": "no id here"}),
        json.dumps({"id": "number", "text": 42}),
        json.dumps(["not", "an", "object"]),
        json.dumps({"id": "tab\tid", "text": "x"}),
        json.dumps({"id": "a", "text": "the same id again"}),
        json.dumps({"id": "long", "text": "x" * 501}),
        '{"id": "lone-surrogate", "text": "half a pair: \\ud800"}',
    ]
    data = ("\n".join(lines) + "\n").encode("utf-8")
    data += b'{"id": "bad-bytes", "text": "caf\xe9"}\n'
    data += json.dumps({"id": "last", "text": make_text(3)}).encode("utf-8")  # no final newline
    source.write_bytes(data)

    summary, _ = run(tmp_path, source, analyzer, max_chars=500)

    out = tmp_path / "out.jsonl"
    assert output_ids(out) == ["a", "7", "last"]
    errors_file = default_errors_path(out).read_text(encoding="utf-8")
    records = [json.loads(line) for line in errors_file.splitlines()]
    reasons = [r["reason"] for r in records]
    assert len(records) == summary.failed == 10
    assert any("not valid JSON" in r for r in reasons)
    assert any(r["id"] == "no-text" and "no 'text'" in r["reason"] for r in records)
    assert any("no 'id'" in r for r in reasons)
    assert any(r["id"] == "number" and "must be a string" in r["reason"] for r in records)
    assert any("JSON object" in r for r in reasons)
    assert any("control character" in r for r in reasons)
    assert any(r["id"] == "a" and "duplicate id" in r["reason"] and "docs.jsonl:1" in r["reason"] for r in records)
    assert any(r["id"] == "long" and "limit of 500" in r["reason"] for r in records)
    assert any(r["id"] == "lone-surrogate" and "surrogate" in r["reason"] for r in records)
    assert any("UTF-8" in r for r in reasons)
    assert all(r["source"].startswith(str(source) + ":") for r in records)


def test_csv_with_quoted_newlines_bom_and_broken_rows(tmp_path, analyzer):
    source = tmp_path / "docs.csv"
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["Text", "source_url", "ID"])  # any order, any case, extra columns
    writer.writerow([make_text(1), "http://example.org/1", "c1"])
    writer.writerow(["Headline\nBody with \"quotes\", commas.", "", "c2"])
    writer.writerow(["only one field"])
    writer.writerow(["", "", "c3"])
    data = codecs_bom() + buffer.getvalue().encode("utf-8")
    data += b'"caf\xe9 in latin-1",x,c4\r\n'
    source.write_bytes(data)

    summary, _ = run(tmp_path, source, analyzer)

    out = tmp_path / "out.jsonl"
    assert output_ids(out) == ["c1", "c2"]
    errors = errors_of(out)
    assert errors["c3"] == "text is empty"
    assert "UTF-8" in errors["c4"]
    assert errors[None].startswith("row has 1 field, the header 3, so no 'id' field; quote any value")
    assert summary.failed == 3


@pytest.mark.parametrize(("name", "sep"), [("docs.csv", ","), ("docs.tsv", "\t")])
def test_a_csv_row_with_values_past_the_header_is_a_bad_record(tmp_path, analyzer, name, sep):
    # An unquoted delimiter splits a value: the fields past the header would be dropped. Such a row
    # is reported with its line, and the rows around it are scored; extra empty fields lose nothing.
    source = tmp_path / name
    texts = [make_text(i).replace("\n\n", " ") for i in range(6)]  # one line each, unquoted
    source.write_text(sep.join(["id", "text", "source"]) + "\n"
                      + sep.join(["r1", texts[1], "wire"]) + "\n"
                      + sep.join(["r2", "Prices rose", " said the minister", "blog", "extra"]) + "\n"
                      + sep.join(["r3", texts[3]]) + "\n"  # short: the missing source reads as empty
                      + sep.join(["r4", texts[4], "", "", " "]) + "\n"
                      + sep.join([texts[5]]) + "\n", encoding="utf-8")

    summary, _ = run(tmp_path, source, analyzer)

    out = tmp_path / "out.jsonl"
    assert output_ids(out) == ["r1", "r3", "r4"]
    metadata = [json.loads(line)["metadata"] for line in output_lines(out)]
    assert metadata == [{"source": "wire"}, {"source": ""}, {"source": ""}]
    records = [json.loads(line) for line in default_errors_path(out).read_text(encoding="utf-8").splitlines()]
    quote = f"quote any value holding {'a tab' if sep == chr(9) else 'a comma'}, a quote or a line break"
    assert [(r["id"], r["source"], r["reason"]) for r in records] == [
        (None, f"{source}:3", f"row has 5 fields, the header 3, and the values past the header would be lost; {quote}"),
        (None, f"{source}:6", f"row has 1 field, the header 3, so no 'text' field; {quote}"),
    ]
    assert summary.failed == 2


def codecs_bom() -> bytes:
    return "\ufeff".encode()


def test_csv_without_a_text_column_stops_with_a_clear_error(tmp_path, analyzer, capsys):
    source = tmp_path / "docs.csv"
    source.write_text("id,body\n1,hello\n", encoding="utf-8")
    with pytest.raises(BatchError, match="no 'text' column"):
        run(tmp_path, source, analyzer)
    assert framing(["batch", str(source), "-o", str(tmp_path / "cli.jsonl"), "--workers", "1"]) == 2
    assert "no 'text' column" in capsys.readouterr().err


def test_stdin_reads_jsonl(tmp_path, analyzer, monkeypatch):
    data = "".join(json.dumps({"id": f"s{i}", "text": make_text(i)}) + "\n" for i in range(3))
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data.encode("utf-8"))))
    summary, _ = run(tmp_path, "-", analyzer)
    assert output_ids(tmp_path / "out.jsonl") == ["s0", "s1", "s2"]
    assert summary.failed == 0


def test_unknown_or_missing_input_is_a_clear_error(tmp_path, capsys):
    odd = tmp_path / "docs.xml"
    odd.write_text("<docs/>", encoding="utf-8")
    with pytest.raises(BatchError, match="cannot tell the input format"):
        detect_input_kind(str(odd))
    with pytest.raises(BatchError, match="no such file"):
        detect_input_kind(str(tmp_path / "missing.jsonl"))
    assert detect_input_kind(str(odd), "jsonl") == "jsonl"
    assert framing(["batch", str(odd), "-o", str(tmp_path / "o.jsonl")]) == 2
    assert "--input-format" in capsys.readouterr().err


@pytest.mark.parametrize("name", ["scores.csv", "scores.JSON", "scores.tsv", "scores.xlsx"])
def test_an_output_named_for_another_format_is_refused_before_anything_is_written(tmp_path, capsys, name):
    source = write_jsonl(tmp_path / "docs.jsonl", [{"id": "a", "text": make_text(1)}])
    assert framing(["batch", str(source), "-o", str(tmp_path / name)]) == 2
    assert "JSON Lines" in capsys.readouterr().err and not (tmp_path / name).exists()


def test_output_may_not_overwrite_the_input(tmp_path, analyzer):
    source = write_jsonl(tmp_path / "docs.jsonl", [{"id": "a", "text": make_text(1)}])
    with pytest.raises(BatchError, match="same file"):
        run(tmp_path, source, analyzer, output=source)


def test_progress_lines_without_a_terminal_and_a_bar_with_one(tmp_path, analyzer, capsys):
    source = write_jsonl(tmp_path / "docs.jsonl", [{"id": f"g{i}", "text": make_text(i)} for i in range(3)])
    _, messages = run(tmp_path, source, analyzer, batch_size=1, log_every=0, progress=False)
    progress = [m for m in messages if "processed" in m]
    assert progress and "/3 processed" in progress[-1] and "docs/s" in progress[-1]
    run(tmp_path, source, analyzer, output=tmp_path / "bar.jsonl", batch_size=1, progress=True)
    err = capsys.readouterr().err
    assert "3/3" in err and "doc/s" in err


# --- resume -----------------------------------------------------------------------------------


def test_rerun_skips_complete_ids_and_scores_new_ones(tmp_path, analyzer):
    records = [{"id": f"r{i}", "text": make_text(i)} for i in range(4)]
    source = write_jsonl(tmp_path / "docs.jsonl", records)
    first, _ = run(tmp_path, source, analyzer)
    assert (first.done, first.skipped, first.failed) == (4, 0, 0)
    before = (tmp_path / "out.jsonl").read_bytes()

    write_jsonl(source, [*records, {"id": "r4", "text": make_text(4)}])
    second, messages = run(tmp_path, source, analyzer)
    assert (second.done, second.skipped, second.failed) == (1, 4, 0)
    assert (tmp_path / "out.jsonl").read_bytes().startswith(before)
    assert output_ids(tmp_path / "out.jsonl") == [f"r{i}" for i in range(5)]
    assert any("4 already complete" in m for m in messages)

    third, _ = run(tmp_path, source, analyzer)
    assert (third.done, third.skipped) == (0, 5)


def test_truncated_last_line_and_garbage_lines_are_repaired(tmp_path, analyzer):
    records = [{"id": f"t{i}", "text": make_text(i)} for i in range(4)]
    source = write_jsonl(tmp_path / "docs.jsonl", records)
    run(tmp_path, source, analyzer)
    out = tmp_path / "out.jsonl"
    lines = output_lines(out)
    # A disk fault in line 2, and a run killed halfway through writing line 4.
    out.write_bytes(lines[0] + b"\x00\x00garbage\n" + lines[2] + lines[3][: len(lines[3]) // 2])

    summary, messages = run(tmp_path, source, analyzer)

    assert (summary.done, summary.skipped) == (2, 2)
    assert sorted(output_ids(out)) == ["t0", "t1", "t2", "t3"]
    assert out.read_bytes().startswith(lines[0] + lines[2])
    assert any("unfinished last line" in m for m in messages)
    assert any("unreadable line" in m for m in messages)


def test_errors_file_lists_only_the_latest_run(tmp_path, analyzer):
    source = write_jsonl(tmp_path / "docs.jsonl", [{"id": "ok", "text": make_text(1)}, {"id": "bad", "text": " "}])
    assert run(tmp_path, source, analyzer)[0].failed == 1
    assert set(errors_of(tmp_path / "out.jsonl")) == {"bad"}
    write_jsonl(source, [{"id": "ok", "text": make_text(1)}, {"id": "bad", "text": make_text(2)}])
    summary, _ = run(tmp_path, source, analyzer)
    assert (summary.done, summary.skipped, summary.failed) == (1, 1, 0)
    assert not default_errors_path(tmp_path / "out.jsonl").exists()


# --- SemEval output and reading predictions back -------------------------------------------------


def test_semeval_format_and_resume_from_a_plain_run(tmp_path, analyzer):
    folder = tmp_path / "articles"
    folder.mkdir()
    texts = {str(800 + i): make_text(i) for i in range(3)}
    for article_id, text in texts.items():
        (folder / f"article{article_id}.txt").write_text(text, encoding="utf-8")
    semeval = tmp_path / "semeval"

    run(tmp_path, folder, analyzer)  # JSONL only first; SemEval files are rebuilt from it
    (folder / "article803.txt").write_text(make_text(3), encoding="utf-8")
    texts["803"] = make_text(3)
    summary, _ = run(tmp_path, folder, analyzer, semeval_dir=semeval)
    assert (summary.done, summary.skipped) == (1, 3)

    predictions = read_predictions_jsonl(tmp_path / "out.jsonl", semeval_ids=True)
    assert sorted(predictions) == sorted(texts)
    span_files = sorted(p.name for p in (semeval / SPANS_FOLDER).iterdir())
    assert span_files == [f"article{a}-labels-subtask-3.txt" for a in sorted(texts)]
    for article_id, analysis in predictions.items():
        rows = [line.split("\t") for line in
                (semeval / SPANS_FOLDER / f"article{article_id}-labels-subtask-3.txt").read_text().splitlines()]
        assert sorted((r[1], int(r[2]), int(r[3])) for r in rows) == sorted(
            (s.label, s.start, s.end) for s in analysis.spans if s.unit == "words")  # placed spans only
    paragraphs = [line.split("\t") for line in (semeval / PARAGRAPHS_FILE).read_text().splitlines()]
    for article_id in texts:  # lines 1 and 3 are non-empty, line 2 is blank
        assert [int(p[1]) for p in paragraphs if p[0] == article_id] == [1, 3]
    frames = [line.split("\t")[0] for line in (semeval / FRAMES_FILE).read_text().splitlines()]
    assert sorted(frames) == sorted(texts)

    # A partial write of an unfinished document is dropped on the next start, never duplicated.
    with (semeval / PARAGRAPHS_FILE).open("a") as handle:
        handle.write("999\t1\tLoaded_Language\n999\t3\t")
    (folder / "article999.txt").write_text(make_text(9), encoding="utf-8")
    run(tmp_path, folder, analyzer, semeval_dir=semeval)
    paragraphs = [line.split("\t") for line in (semeval / PARAGRAPHS_FILE).read_text().splitlines()]
    assert [int(p[1]) for p in paragraphs if p[0] == "999"] == [1, 3]
    assert len(paragraphs) == 2 * 5


def test_read_predictions_rejects_unfinished_and_repeated_lines(tmp_path, analyzer):
    source = write_jsonl(tmp_path / "docs.jsonl", [{"id": "p1", "text": make_text(1)}])
    run(tmp_path, source, analyzer)
    out = tmp_path / "out.jsonl"
    line = out.read_bytes()
    assert list(read_predictions_jsonl(out)) == ["p1"]
    (tmp_path / "twice.jsonl").write_bytes(line + line)
    with pytest.raises(PredictionsError, match="more than once"):
        read_predictions_jsonl(tmp_path / "twice.jsonl")
    (tmp_path / "cut.jsonl").write_bytes(line[:-20])
    with pytest.raises(PredictionsError, match="unfinished"):
        read_predictions_jsonl(tmp_path / "cut.jsonl")


# --- worker processes and interrupted runs ------------------------------------------------------


@pytest.mark.slow
def test_worker_processes_give_the_same_results(tmp_path, analyzer, shipped_model_dir):
    records = [{"id": f"w{i}", "text": make_text(i)} for i in range(6)]
    source = write_jsonl(tmp_path / "docs.jsonl", records)
    run(tmp_path, source, analyzer, output=tmp_path / "one.jsonl")
    summary = run_batch(BatchOptions(input=str(source), output=tmp_path / "two.jsonl", model=shipped_model_dir,
                                     workers=2, batch_size=2), log=lambda message: None)
    assert summary.workers == 2 and summary.done == 6
    one = read_predictions_jsonl(tmp_path / "one.jsonl")
    two = read_predictions_jsonl(tmp_path / "two.jsonl")
    assert list(two) == [r["id"] for r in records]  # input order kept
    for doc_id, analysis in one.items():  # scores may differ in the last float bits, segmentation may not
        assert [(s.start, s.end) for s in two[doc_id].sentences] == [(s.start, s.end) for s in analysis.sentences]
        assert two[doc_id].model == analysis.model


def complete_lines(path: Path) -> int:
    return path.read_bytes().count(b"\n") if path.exists() else 0


def start_job(source: Path, out: Path, model_dir: Path, *extra: str) -> subprocess.Popen:
    command = [sys.executable, "-m", "framing.service.cli", "batch", str(source), "-o", str(out),
               "--model", str(model_dir), "--batch-size", "1", "--no-progress", *extra]
    return subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def wait_for_lines(job: subprocess.Popen, out: Path, at_least: int, timeout: float = 180.0) -> int:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        count = complete_lines(out)
        if count >= at_least:
            return count
        if job.poll() is not None:
            pytest.fail(f"job ended early ({job.returncode}): {job.stderr.read().decode()[-2000:]}")
        time.sleep(0.02)
    job.kill()
    pytest.fail(f"no {at_least} lines after {timeout}s")


def assert_whole_lines(out: Path) -> list[str]:
    data = out.read_bytes()
    assert data.endswith(b"\n"), "the output ends in a truncated line"
    return output_ids(out)


@pytest.mark.slow  # about 30 s: kills and restarts real batch processes
def test_killed_and_interrupted_runs_resume_to_exactly_one_line_per_id(tmp_path, analyzer, shipped_model_dir):
    n = 60
    source = write_jsonl(tmp_path / "docs.jsonl", [{"id": f"k{i}", "text": make_text(i)} for i in range(n)])
    out = tmp_path / "out.jsonl"

    job = start_job(source, out, shipped_model_dir, "--workers", "1")
    wait_for_lines(job, out, 3)
    job.send_signal(signal.SIGKILL)
    job.wait(timeout=30)
    job.stderr.close()
    killed_at = assert_whole_lines(out)
    assert 3 <= len(killed_at) < n, "the kill should land mid-job"

    job = start_job(source, out, shipped_model_dir, "--workers", "1")
    wait_for_lines(job, out, len(killed_at) + 3)
    job.send_signal(signal.SIGINT)
    _, stderr = job.communicate(timeout=60)
    assert job.returncode == 130, stderr.decode()[-2000:]
    assert b"interrupted" in stderr and b"skipped" in stderr
    interrupted_at = assert_whole_lines(out)
    assert interrupted_at[: len(killed_at)] == killed_at
    assert len(killed_at) < len(interrupted_at) < n

    summary, _ = run(tmp_path, source, analyzer)
    assert summary.skipped == len(interrupted_at) and summary.failed == 0
    ids = assert_whole_lines(out)
    assert sorted(ids) == sorted(f"k{i}" for i in range(n))
    assert len(ids) == len(set(ids)) == n


def _children(pid: int) -> list[int]:
    children = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                children.append(int(entry.name))
    return children


@pytest.mark.slow
@pytest.mark.skipif(not Path("/proc").is_dir(), reason="needs /proc")
def test_killed_job_leaves_no_worker_processes_behind(tmp_path, shipped_model_dir):
    source = write_jsonl(tmp_path / "docs.jsonl", [{"id": f"o{i}", "text": make_text(i)} for i in range(200)])
    out = tmp_path / "out.jsonl"
    job = start_job(source, out, shipped_model_dir, "--workers", "2")
    wait_for_lines(job, out, 2)
    workers = _children(job.pid)
    assert workers
    job.kill()
    job.wait(timeout=30)
    job.stderr.close()
    assert_whole_lines(out)
    deadline = time.monotonic() + 30
    while any(Path(f"/proc/{pid}").exists() and "Z" not in _state(pid) for pid in workers):
        assert time.monotonic() < deadline, "worker processes outlived the killed job"
        time.sleep(0.2)


def _state(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return "Z"


def test_cli_exit_status_and_summary(tmp_path, shipped_model_dir, capsys):
    source = write_jsonl(tmp_path / "docs.jsonl", [{"id": "ok", "text": make_text(1)}, {"id": "empty", "text": ""}])
    summary_file = tmp_path / "summary.json"
    code = framing(["batch", str(source), "-o", str(tmp_path / "out.jsonl"), "--model", str(shipped_model_dir),
                    "--workers", "1", "--no-progress", "--summary-json", str(summary_file)])
    assert code == 1
    err = capsys.readouterr().err
    assert "1 done" in err and "1 failed" in err and "docs/s" in err
    assert json.loads(summary_file.read_text())["failed"] == 1


def test_summary_report_is_typed_and_keeps_the_json_keys():
    from framing.service.batch import Summary

    summary = Summary(done=3, skipped=1, failed=2, seconds=1.5, workers=2, interrupted_by=2)
    report = summary.report()
    assert report.model_dump() == {"done": 3, "skipped": 1, "failed": 2, "seconds": 1.5,
                                   "docs_per_second": 2.0, "workers": 2, "interrupted": True}
    assert summary.line().startswith("framing batch: 3 done, 1 skipped (already in the output), 2 failed in 1.5s")


def test_a_sigterm_during_the_clean_up_leaves_the_output_whole_and_the_summary_says_so(tmp_path, analyzer,
                                                                                      monkeypatch):
    """The clean-up (closing files; in the Ray engine, shutting Ray down) runs shielded: a SIGTERM
    arriving then is recorded, not raised half-way through it (the Ray engine exited 130, summary lost)."""
    from framing.service.batch.scoring import InProcessScorer

    close = InProcessScorer.close

    def close_then_terminated(self, interrupted: bool = False) -> None:
        os.kill(os.getpid(), signal.SIGTERM)  # handled by the job's own handler, in this (main) thread
        close(self, interrupted)

    monkeypatch.setattr(InProcessScorer, "close", close_then_terminated)
    source = write_jsonl(tmp_path / "docs.jsonl", [{"id": f"t{i}", "text": make_text(i)} for i in range(3)])
    summary, _ = run(tmp_path, source, analyzer)
    assert summary.interrupted_by == signal.SIGTERM
    assert summary.done == 3
    assert sorted(output_ids(tmp_path / "out.jsonl")) == ["t0", "t1", "t2"]
