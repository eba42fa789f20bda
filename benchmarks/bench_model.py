"""Latency, throughput and peak memory of `Analyzer.analyze` on ~1,000-word articles.

Usage: python benchmarks/bench_model.py [--model DIR] [--articles FOLDER] [--runs N] [--threads T]
       python benchmarks/bench_model.py --model DIR --against OLD_DIR [--runs N]

Without --articles it builds 1,000-word texts from the project's own sample corpus (data/), so
the benchmark runs anywhere; with --articles it uses each .txt file there, cut or repeated to
1,000 words. Prints a Markdown row for BENCHMARKS.md.

With --against, both models load into one process and take turns (text by text, the order of each
pair alternating), so that machine noise, which moved separate runs of one model by 20% on the
team's shared machine, falls on both alike; it prints each model's median and the ratio.
"""

from __future__ import annotations

import argparse
import platform
import resource
import statistics
import time
from pathlib import Path

import torch

from framing.model.analyzer import Analyzer

ROOT = Path(__file__).resolve().parent.parent


def thousand_words(text: str) -> str:
    words = text.split(" ")
    while len(words) < 1000:
        words = words + words
    return " ".join(words[:1000])


def load_texts(folder: Path | None) -> list[str]:
    folder = folder or ROOT / "data" / "sample-semeval" / "train-articles-subtask-3"
    texts = [p.read_text(encoding="utf-8") for p in sorted(folder.glob("*.txt"))]
    if not texts:
        raise SystemExit(f"no .txt files in {folder}")
    return [thousand_words(t) for t in texts]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", type=Path, help="model folder (default: the shipped model)")
    parser.add_argument("--articles", type=Path, help="folder of .txt articles")
    parser.add_argument("--runs", type=int, default=30, help="timed analyses")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--against", type=Path, metavar="OLD_DIR", help="compare with this model, interleaved")
    args = parser.parse_args()

    torch.set_num_threads(args.threads)
    if args.against:
        compare(args.model, args.against, load_texts(args.articles), args.runs)
        return
    analyzer = Analyzer.load(args.model)
    texts = load_texts(args.articles)
    for text in texts[:2]:
        analyzer.analyze(text)  # warm-up: first calls pay for lazy initialisation
    latencies = []
    started = time.perf_counter()
    for i in range(args.runs):
        t0 = time.perf_counter()
        analyzer.analyze(texts[i % len(texts)])
        latencies.append(time.perf_counter() - t0)
    elapsed = time.perf_counter() - started
    latencies.sort()
    p95 = latencies[min(len(latencies) - 1, round(0.95 * (len(latencies) - 1)))]
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"machine: {platform.processor() or platform.machine()}, {torch.get_num_threads()} torch threads, "
          f"torch {torch.__version__}, model {analyzer.info.name} {analyzer.info.version}")
    print("| texts | runs | median s | p95 s | articles/s | peak RSS MiB |")
    print("| --- | --- | --- | --- | --- | --- |")
    print(f"| 1,000 words | {args.runs} | {statistics.median(latencies):.3f} | {p95:.3f} "
          f"| {args.runs / elapsed:.2f} | {peak_mib:.0f} |")


def compare(model: Path | None, against: Path, texts: list[str], runs: int) -> None:
    analyzers = {"model": Analyzer.load(model), "against": Analyzer.load(against)}
    for analyzer in analyzers.values():
        for text in texts[:2]:
            analyzer.analyze(text)
    latencies: dict[str, list[float]] = {name: [] for name in analyzers}
    for i in range(runs):
        order = list(analyzers) if i % 2 else list(analyzers)[::-1]
        for name in order:
            t0 = time.perf_counter()
            analyzers[name].analyze(texts[i % len(texts)])
            latencies[name].append(time.perf_counter() - t0)
    print("| model | runs | median s | mean s |")
    print("| --- | --- | --- | --- |")
    for name, analyzer in analyzers.items():
        print(f"| {analyzer.info.name} {analyzer.info.version} | {runs} | {statistics.median(latencies[name]):.3f} "
              f"| {statistics.mean(latencies[name]):.3f} |")
    ratio = statistics.median(latencies["model"]) / statistics.median(latencies["against"])
    print(f"median ratio: {ratio:.3f}")


if __name__ == "__main__":
    main()
