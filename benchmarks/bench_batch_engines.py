"""Docs/s of `framing batch` on the local engine and on Ray (1 and 2 actors), same input, same run.

Usage: python benchmarks/bench_batch_engines.py [--docs N] [--words W] [--actors 1 2] [--local-workers 1]
                                                [--shard-rows R] [--model DIR] [--keep DIR]

The input is N documents built from the project's own sample articles (data/sample-semeval):
document i joins the sample articles from the i-th on, cut or repeated to W words, and ends with
its number, so no two are the same. It is written once as JSONL (read by the local engine) and as
Parquet (read by Ray), each engine writes to a fresh output, and the figures are each command's own
summary (`--summary-json`): documents scored over the whole command's time, start-up included
(model loading; for Ray also starting Ray and its actors). Each engine also scores one document
per worker first, in a run of its own; "after start-up" is (N - k) / (T_N - T_k) from the two runs:
the rate a long job approaches, the figure to multiply out for a cluster.
Needs the Ray extra: pip install -e '.[ray]'. Prints Markdown rows for BENCHMARKS.md.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "data" / "sample-semeval" / "train-articles-subtask-3"


def documents(count: int, words: int) -> list[dict[str, str]]:
    articles = [path.read_text(encoding="utf-8").split() for path in sorted(SAMPLES.glob("*.txt"))]
    if not articles:
        raise SystemExit(f"no sample articles in {SAMPLES}")
    docs = []
    for i in range(count):
        text: list[str] = []
        k = i
        while len(text) < words:
            text += articles[k % len(articles)]
            k += 1
        docs.append({"id": f"bench-{i:06d}", "text": " ".join(text[:words]) + f" (Copy {i}.)",
                     "source": f"sample-{i % 3}"})
    return docs


def write_inputs(folder: Path, name: str, docs: list[dict[str, str]], shard_rows: int) -> tuple[Path, Path]:
    import pyarrow as pa
    import pyarrow.parquet as pq

    jsonl, parquet = folder / f"{name}.jsonl", folder / f"{name}.parquet"
    jsonl.write_text("".join(json.dumps(doc) + "\n" for doc in docs), encoding="utf-8")
    pq.write_table(pa.Table.from_pylist(docs), parquet, row_group_size=shard_rows)
    return jsonl, parquet


def run(label: str, command: list[str], summary: Path) -> dict[str, float]:
    result = subprocess.run(command, capture_output=True, text=True)
    if result.returncode != 0:
        raise SystemExit(f"{label} failed ({result.returncode}):\n{result.stderr[-3000:]}")
    report = json.loads(summary.read_text(encoding="utf-8"))
    return {"done": report["done"], "seconds": report["seconds"], "docs_per_second": report["docs_per_second"]}


def measure(label: str, make_command: Callable[[Path, Path], list[str]], folder: Path, tag: str, small: Path,
            full: Path) -> dict[str, object]:
    """The full run, and the start-up run on k documents before it."""
    first = run(label, make_command(small, folder / f"{tag}-startup"), folder / f"{tag}-startup.json")
    whole = run(label, make_command(full, folder / tag), folder / f"{tag}.json")
    extra = whole["seconds"] - first["seconds"]
    steady = f"{(whole['done'] - first['done']) / extra:.2f}" if extra > 0 else "n/a (N too small)"
    return {"engine": label, **whole, "startup": first["seconds"], "steady": steady}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--docs", type=int, default=400, help="documents in the input (default 400)")
    parser.add_argument("--words", type=int, default=600, help="words per document (default 600)")
    parser.add_argument("--actors", type=int, nargs="+", default=[1, 2], help="Ray actor counts (default 1 2)")
    parser.add_argument("--local-workers", type=int, default=1, help="--workers of the local engine (default 1)")
    parser.add_argument("--shard-rows", type=int, default=32, help="Ray shard size (default 32)")
    parser.add_argument("--model", type=Path, help="model folder (default: the shipped model)")
    parser.add_argument("--keep", type=Path, help="write the input and outputs here instead of a temporary folder")
    args = parser.parse_args()

    load_before = os.getloadavg()[0]
    framing = [sys.executable, "-m", "framing.service.cli", "batch"]
    model = ["--model", str(args.model)] if args.model else []
    with tempfile.TemporaryDirectory(prefix="bench-batch-") as temporary:
        folder = args.keep or Path(temporary)
        folder.mkdir(parents=True, exist_ok=True)
        docs = documents(args.docs, args.words)
        jsonl, parquet = write_inputs(folder, "input", docs, args.shard_rows)

        def local(source: Path, out: Path) -> list[str]:
            return [*framing, str(source), "-o", f"{out}.jsonl",
                    "--workers", str(args.local_workers), "--no-progress", "--summary-json", f"{out}.json", *model]

        small_jsonl, _ = write_inputs(folder, "startup-local", docs[:args.local_workers], args.shard_rows)
        rows = [measure(f"local, {args.local_workers} worker(s)", local, folder, "local", small_jsonl, jsonl)]
        for actors in args.actors:
            def ray(source: Path, out: Path, actors: int = actors) -> list[str]:
                shard_rows = 1 if "startup" in source.name else args.shard_rows  # start-up: one shard per actor
                return [*framing, str(source), "-o", str(out), "--engine", "ray", "--actors", str(actors),
                        "--shard-rows", str(shard_rows), "--no-progress", "--summary-json", f"{out}.json", *model]

            _, small = write_inputs(folder, f"startup-ray-{actors}", docs[:actors], 1)
            rows.append(measure(f"ray, {actors} actor(s)", ray, folder, f"ray-{actors}", small, parquet))
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    cpu = platform.processor() or platform.machine()
    print(f"# {args.docs} documents of {args.words} words; {cores} cores; {cpu}; "
          f"load average before: {load_before:.1f}")
    print("| engine | documents | seconds (command) | docs/s (command) | start-up s | docs/s after start-up |")
    print("| --- | --- | --- | --- | --- | --- |")
    for row in rows:
        print(f"| {row['engine']} | {row['done']} | {row['seconds']:.1f} | {row['docs_per_second']:.2f} "
              f"| {row['startup']:.1f} | {row['steady']} |")


if __name__ == "__main__":
    main()
