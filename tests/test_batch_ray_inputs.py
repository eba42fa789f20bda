"""Without Ray: what the Ray engine is built from (metadata on batch lines, the Parquet shape of an
Analysis, shards that read as the local engine reads), the local engine never importing Ray, and the
message when Ray is missing."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from pathlib import Path

import pytest

from framing.model.schema import Analysis, AnalysisWarning, LabelScore, ModelInfo, SentenceAnalysis, Span
from framing.service.batch import BatchOptions, run_batch
from framing.service.batch.inputs import open_records


def test_local_engine_carries_the_other_fields_as_metadata(tmp_path, analyzer):
    source = tmp_path / "news.jsonl"
    rows = [
        {"id": "a", "source": "Wire", "text": "The corrupt regime keeps lying to our great nation.",
         "date": "2026-01-02", "tags": ["politics", "é"], "rank": 3},
        {"id": "b", "text": "Officials deny it."},
    ]
    source.write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")
    out = tmp_path / "out.jsonl"
    summary = run_batch(BatchOptions(input=str(source), output=out), log=lambda _: None, analyzer=analyzer)
    assert summary.done == 2
    lines = {json.loads(line)["id"]: line for line in out.read_bytes().splitlines()}
    first = json.loads(lines["a"])
    assert first["metadata"] == {"source": "Wire", "date": "2026-01-02", "tags": ["politics", "é"], "rank": 3}
    assert list(first)[-1] == "metadata"  # the Analysis JSON, then the metadata
    assert "metadata" not in json.loads(lines["b"])  # no other fields: the line is the Analysis alone
    # The line minus "metadata" is exactly the Analysis JSON the API returns.
    bare = lines["a"][:lines["a"].rindex(b',"metadata":')] + b"}"
    assert bare == Analysis.model_validate_json(lines["a"]).model_dump_json().encode("utf-8")
    assert "metadata" not in Analysis.model_json_schema()["properties"]


def test_csv_columns_beyond_id_and_text_are_metadata(tmp_path):
    source = tmp_path / "news.csv"
    with source.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["Source", "ID", "Text", "date"])
        writer.writerow(["wire", "1", "Some text.", "2026-01-01"])
        writer.writerow(["blog", "2", "More text."])  # a short row: the missing field is empty
    with open_records(str(source), "csv", 1000) as records:
        found = [(r.id, r.metadata) for r in records]
    assert found == [("1", {"Source": "wire", "date": "2026-01-01"}), ("2", {"Source": "blog", "date": ""})]


def test_the_engine_modules_do_not_import_ray_for_the_local_engine():
    code = ("import sys, framing.service.batch.job, framing.service.commands.batch\n"
            "from framing.service.cli import build_parser\n"
            "print(sorted(m for m in sys.modules if m == 'ray' or m.startswith('ray.')))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


def test_without_ray_the_engine_says_how_to_install_it(tmp_path):
    source = tmp_path / "in.jsonl"
    source.write_text(json.dumps({"id": "a", "text": "Some text."}) + "\n", encoding="utf-8")
    code = ("import sys; sys.modules['ray'] = None\n"  # as if Ray were not installed
            "from framing.service.cli import main\n"
            f"sys.exit(main(['batch', {str(source)!r}, '-o', {str(tmp_path / 'out')!r}, '--engine', 'ray']))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert result.returncode == 2, result.stderr
    assert result.stderr.startswith("framing batch: ") and "pip install -e '.[ray]'" in result.stderr


def test_ray_options_are_refused_without_the_ray_engine(tmp_path, capsys):
    from framing.service.cli import main

    assert main(["batch", str(tmp_path), "-o", str(tmp_path / "o.jsonl"), "--actors", "2"]) == 2
    assert "--actors needs --engine ray" in capsys.readouterr().err
    assert main(["batch", str(tmp_path), "-o", str(tmp_path / "o.jsonl"), "--engine", "ray", "--workers", "2"]) == 2
    assert "--workers is for the local engine" in capsys.readouterr().err


# --- Parquet and shards (pyarrow, no Ray) -------------------------------------------------------


def sample_analysis() -> Analysis:
    scores = [LabelScore(label="Loaded_Language", score=0.9)]
    return Analysis(id="x", model=ModelInfo(name="m", version="1.0"), frames=[LabelScore(label="Political", score=0.5)],
                    techniques=scores, sentences=[SentenceAnalysis(index=0, start=0, end=9, techniques=scores)],
                    spans=[Span(start=0, end=3, text="The", label="Loaded_Language", score=0.9, sentence=0)],
                    warnings=[AnalysisWarning(code="not_english", message="...")], operating_point="sensitive")


def test_the_parquet_analysis_column_round_trips_the_json():
    pa = pytest.importorskip("pyarrow")
    from framing.service.batch.parquet_io import ANALYSIS_TYPE, metadata_columns, part_table
    from framing.service.batch.scoring import batch_line

    analysis = sample_analysis()
    assert [field.name for field in ANALYSIS_TYPE] == list(Analysis.model_fields)
    line = batch_line(analysis.model_dump_json().encode("utf-8"), {"source": "wire", "n": 2})
    table = part_table([line], metadata_columns([{"source": "wire", "n": 2}]))
    assert table.column_names == ["id", "model_version", "operating_point", "analysis", "source", "n"]
    row = table.to_pylist()[0]
    assert Analysis.model_validate(row["analysis"]) == analysis
    assert row["analysis"] == analysis.model_dump(mode="json")
    assert (row["model_version"], row["operating_point"], row["n"]) == ("1.0", "sensitive", "2")
    assert table.schema.field("n").type == pa.string()


def test_shards_read_the_records_the_local_engine_reads(tmp_path):
    pa = pytest.importorskip("pyarrow")
    pq = pytest.importorskip("pyarrow.parquet")
    from framing.service.batch.shards import plan_shards, read_shard

    lines = [json.dumps({"id": f"d{i}", "text": f"Text {i}.", "n": i}) for i in range(7)]
    lines.insert(2, "")
    lines.insert(4, "{broken")
    source = tmp_path / "in" / "a.jsonl"
    source.parent.mkdir()
    source.write_text("\n".join(lines) + "\n", encoding="utf-8")
    pq.write_table(pa.table({"id": [1, 2, 3], "text": ["x", "y", None]}), tmp_path / "in" / "b.parquet",
                   row_group_size=2)
    (tmp_path / "in" / "_ignored.jsonl").write_text("{}\n", encoding="utf-8")

    shards = plan_shards(str(tmp_path / "in"), 3)
    assert [s.name for s in shards] == ["a.jsonl-00000", "a.jsonl-00001", "a.jsonl-00002",
                                        "b.parquet-00000"]
    from_shards = [(r.id, r.source, r.error, r.metadata) for s in shards[:3] for r in read_shard(s)[0]]
    with open_records(str(source), "jsonl", 1000) as records:
        local = [(r.id, r.source.replace(str(source), f"{tmp_path / 'in'}/a.jsonl"), r.error, r.metadata)
                 for r in records]
    assert from_shards == local
    parquet_records, table = read_shard(shards[3])
    assert [(r.id, r.text, r.error) for r in parquet_records] == [
        ("1", "x", None), ("2", "y", None), ("3", None, "text must be a string, not NoneType")]
    assert table is not None and table.num_rows == 3


def test_a_uri_names_the_input_too(tmp_path):
    pytest.importorskip("pyarrow")
    from framing.service.batch.shards import plan_shards, read_shard

    source = tmp_path / "news.jsonl"
    source.write_text("".join(json.dumps({"id": f"d{i}", "text": "Text."}) + "\n" for i in range(3)), encoding="utf-8")
    shards = plan_shards(source.as_uri(), 2)
    assert [len(read_shard(shard)[0]) for shard in shards] == [2, 1]
    assert read_shard(shards[1])[0][0].source == f"{source.as_uri()}:3"


def test_a_part_left_half_written_by_a_killed_run_is_removed_not_counted(tmp_path: Path) -> None:
    """A driver killed while writing a part leaves its temporary file: the next run deletes it (the
    part was never renamed into place, so its shard is not done) and keeps the finished parts."""
    from framing.service.batch.parquet_io import PART_PREFIX
    from framing.service.batch.sharded_output import ParquetSink

    out = tmp_path / "scored"
    out.mkdir()
    stale = out / f".{PART_PREFIX}news.parquet-00000.parquet.5cd5031e.tmp"
    stale.write_bytes(b"half a parquet file")
    sink = ParquetSink(str(out), shard_rows=None, sensitivity="precise", input_location=str(tmp_path / "in"))
    assert not stale.exists()
    assert sink.done_shards == set() and sink.done == set()
    assert not [p.name for p in out.iterdir() if p.name.startswith(".")]


def test_a_second_job_cannot_write_a_parquet_folder_a_job_is_writing(tmp_path: Path) -> None:
    """It would take the first job's part in progress for a killed run's leftover and delete it."""
    pytest.importorskip("pyarrow")
    from framing.service.batch.options import BatchError
    from framing.service.batch.parquet_io import PART_PREFIX
    from framing.service.batch.sharded_output import ParquetSink

    out = tmp_path / "scored"
    first = ParquetSink(str(out), shard_rows=None, sensitivity="precise", input_location="in")
    in_progress = out / f".{PART_PREFIX}news.parquet-00000.parquet.5cd5031e.tmp"
    in_progress.write_bytes(b"a part being written")
    with pytest.raises(BatchError, match="being written by another framing batch job"):
        ParquetSink(str(out), shard_rows=None, sensitivity="precise", input_location="in")
    assert in_progress.exists(), "the second job touched nothing"
    first.close()
    second = ParquetSink(str(out), shard_rows=None, sensitivity="precise", input_location="in")
    assert not in_progress.exists(), "once the first job is gone, its leftover is cleared as before"
    second.close()
    (out / "_framing_job.json").write_text('{"sensitivity": "precise"}')
    with pytest.raises(BatchError, match="operating point"):
        ParquetSink(str(out), shard_rows=None, sensitivity="sensitive", input_location="in")
    ParquetSink(str(out), shard_rows=None, sensitivity="precise", input_location="in").close()  # lock released
