"""`framing batch --engine ray` on a real local Ray (no mocks): same documents as the local engine,
Parquet and JSONL output, bad records, and a job killed mid-run then resumed.

One Ray (`ray.init(num_cpus=2)`) serves the whole module; the killed job is a second driver joining
it with --address, so killing that process kills the job, not the cluster.
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytest.importorskip("ray")
pa = pytest.importorskip("pyarrow")
pq = pytest.importorskip("pyarrow.parquet")

from framing.model.schema import Analysis  # noqa: E402
from framing.service.batch import BatchOptions, run_batch  # noqa: E402
from framing.service.batch.ray_engine import RayOptions, run_ray_batch  # noqa: E402
from framing.service.batch.sharded_output import ERRORS_FOLDER  # noqa: E402

pytestmark = pytest.mark.slow

TEXTS = [
    "The corrupt regime keeps lying to our great nation. Critics say the plan will bring total ruin.",
    "Officials deny it. The minister said the budget would be balanced next year.",
    "Wake up, people! They are coming for your jobs, your homes and your children.",
    "The report, published on Monday, lists twelve recommendations for the water authority.",
]


def records(count: int, sentences: int = 1) -> list[dict]:
    return [{"id": f"doc{i}", "text": " ".join(TEXTS[(i + k) % len(TEXTS)] for k in range(sentences)) + f" Item {i}.",
             "source": ["wire", "blog"][i % 2], "date": f"2026-01-{i % 28 + 1:02d}"} for i in range(count)]


def write_inputs(folder: Path, rows: list[dict], row_group_size: int = 3) -> tuple[Path, Path]:
    folder.mkdir(parents=True, exist_ok=True)
    parquet, jsonl = folder / "news.parquet", folder / "news.jsonl"
    pq.write_table(pa.Table.from_pylist(rows), parquet, row_group_size=row_group_size)
    jsonl.write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")
    return parquet, jsonl


def parquet_rows(folder: Path) -> list[dict]:
    rows = []
    for part in sorted(folder.glob("part-*.parquet")):
        rows.extend(pq.read_table(part).to_pylist())
    return rows


def folder_errors(folder: Path) -> dict[str | None, str]:
    found = {}
    for path in sorted((folder / ERRORS_FOLDER).glob("*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            record = json.loads(line)
            assert set(record) == {"id", "source", "reason"}
            found[record["id"]] = record["reason"]
    return found


@pytest.fixture(scope="module")
def ray_cluster():
    import ray

    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    try:
        yield ray.get_runtime_context().gcs_address
    finally:
        ray.shutdown()


def test_parquet_input_scored_as_the_local_engine_does(tmp_path, analyzer, ray_cluster):
    rows = records(8)
    rows[5]["text"] = None  # a bad record: both engines report it and go on
    parquet, jsonl = write_inputs(tmp_path / "in", rows)
    local = tmp_path / "local.jsonl"
    local_summary = run_batch(BatchOptions(input=str(jsonl), output=local), log=lambda _: None, analyzer=analyzer)
    assert (local_summary.done, local_summary.failed) == (7, 1)
    local_lines = local.read_bytes().splitlines(keepends=True)
    by_id = {json.loads(line)["id"]: line for line in local_lines}
    assert json.loads(by_id["doc0"])["metadata"] == {"source": "wire", "date": "2026-01-01"}

    # Parquet out, two actors, shards of three rows.
    out = tmp_path / "scored"
    summary = run_ray_batch(BatchOptions(input=str(parquet), output=out), RayOptions(actors=2, shard_rows=3),
                            log=lambda _: None)
    assert (summary.done, summary.failed, summary.skipped) == (7, 1, 0)
    scored = parquet_rows(out)
    assert sorted(row["id"] for row in scored) == sorted(by_id)
    for row in scored:
        expected = json.loads(by_id[row["id"]])
        metadata = expected.pop("metadata")
        assert Analysis.model_validate(row["analysis"]) == Analysis.model_validate(expected)
        assert row["analysis"] == expected  # same field names and values as the JSON
        assert (row["model_version"], row["operating_point"]) == (expected["model"]["version"], "precise")
        assert {"source": row["source"], "date": row["date"]} == metadata
    schema = pq.read_schema(next(out.glob("part-*.parquet")))
    assert schema.names == ["id", "model_version", "operating_point", "analysis", "source", "date"]
    assert folder_errors(out) == {"doc5": "text must be a string, not NoneType"}

    # JSONL out, resumed from a file that already holds three of the local engine's lines.
    ray_jsonl = tmp_path / "ray.jsonl"
    ray_jsonl.write_bytes(b"".join(local_lines[:3]))
    summary = run_ray_batch(BatchOptions(input=str(parquet), output=ray_jsonl), RayOptions(actors=1, shard_rows=4),
                            log=lambda _: None)
    assert (summary.done, summary.skipped, summary.failed) == (4, 3, 1)
    assert sorted(ray_jsonl.read_bytes().splitlines(keepends=True)) == sorted(local_lines)  # same bytes


def test_bad_records_are_reported_and_the_rest_scored(tmp_path, ray_cluster):
    lines = [json.dumps(row) for row in records(4)]
    lines.insert(1, "{not json")
    lines.insert(3, json.dumps({"id": "no-text"}))
    lines.append(json.dumps({"id": "empty", "text": "   "}))
    lines.append(json.dumps({"id": "doc0", "text": "The same id again, in another shard."}))
    folder = tmp_path / "shards"  # a folder of shards: JSONL and CSV
    folder.mkdir()
    source = folder / "news.jsonl"
    source.write_text("\n".join(lines) + "\n", encoding="utf-8")
    (folder / "more.csv").write_text("id,text,source\ncsv1,Officials deny it.,wire\ncsv2,,blog\n", encoding="utf-8")
    out = tmp_path / "scored"
    summary = run_ray_batch(BatchOptions(input=str(folder), output=out), RayOptions(actors=1, shard_rows=3),
                            log=lambda _: None)
    scored = {row["id"]: row for row in parquet_rows(out)}
    assert sorted(scored) == ["csv1", "doc0", "doc1", "doc2", "doc3"]
    assert scored["csv1"]["source"] == "wire" and scored["doc1"]["source"] == "blog"
    errors = folder_errors(out)
    assert errors[None].startswith("not valid JSON")
    assert errors["no-text"] == "record has no 'text'"
    assert errors["empty"] == "text is empty"
    assert errors["doc0"].startswith("duplicate id (first seen at ")
    assert errors["csv2"] == "text is empty"
    assert (summary.done, summary.failed) == (5, 5)
    sources = set()
    for path in (out / ERRORS_FOLDER).glob("*.jsonl"):
        sources.update(json.loads(line)["source"] for line in path.read_text().splitlines())
    assert f"{source}:2" in sources  # the local engine's "file:line"

    # A rerun does nothing twice: every shard has its part, failures are still counted.
    again = run_ray_batch(BatchOptions(input=str(folder), output=out), RayOptions(actors=1, shard_rows=3),
                          log=lambda _: None)
    assert (again.done, again.skipped, again.failed) == (0, 5, 5)


def test_a_killed_job_resumes_without_duplicates_or_losses(tmp_path, ray_cluster):
    rows = records(24, sentences=48)  # long enough that the job is still scoring when it is killed
    parquet, _ = write_inputs(tmp_path / "in", rows, row_group_size=4)
    out = tmp_path / "scored"
    command = [sys.executable, "-m", "framing.service.cli", "batch", str(parquet), "-o", str(out),
               "--engine", "ray", "--address", ray_cluster, "--actors", "1", "--shard-rows", "2", "--batch-size", "1"]
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 120
    while not list(out.glob("part-*.parquet")) and time.monotonic() < deadline and process.poll() is None:
        time.sleep(0.05)
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=30)
    done_before = {row["id"] for row in parquet_rows(out)}
    assert 0 < len(done_before) < len(rows), process.stderr.read().decode() if process.stderr else ""

    summary = run_ray_batch(BatchOptions(input=str(parquet), output=out), RayOptions(actors=1),
                            log=lambda _: None)
    ids = [row["id"] for row in parquet_rows(out)]
    assert sorted(ids) == sorted(row["id"] for row in rows)  # nothing lost, nothing twice
    assert summary.skipped == len(done_before) and summary.done == len(rows) - len(done_before)
    assert not [p.name for p in out.iterdir() if p.name.startswith(".")]  # no half-written part left
