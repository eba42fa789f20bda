"""Loaded-language probe (issue 14): are loaded labels for people highlighted, and neutral words left alone?

Usage:
    python benchmarks/bench_probe.py [--model DIR] [--pairs FILE] [--json OUT]
                                     [--texts FOLDER --term TERM [--term TERM ...]]

Each minimal pair of data/probes/loaded_pairs.jsonl is one sentence with a loaded label ("thugs")
and the same sentence with a neutral word ("protesters"); every sentence is analysed as a text of
its own. A loaded word is *found* when a Loaded_Language or Name_Calling-Labeling span overlaps it
(recall = found / pairs); a neutral word is a *false alarm* when any span, of any technique,
overlaps it (false-alarm rate = false alarms / pairs). Per word it also prints the highest
Loaded_Language / Name_Calling word score over the marked words, to show how far below the
threshold a missed word sits.

Figures are reported per operating point (issue 14 item 4): `precise` (the F1-fitted thresholds)
and, when the model was calibrated with them, `sensitive` (fitted for recall); each is decoded by
the Analyzer itself, as the API does for `options.sensitivity`. The term counts of --texts use the
point `--sensitivity` names (precise by default).

--texts FOLDER with --term TERM...: counts the occurrences of each term in the folder's .txt files
(case-insensitive, at the start of a word, the rest of the word included, so "raider" also counts
"raiders") and how many of them a Loaded_Language / Name_Calling span (or any span) overlaps. The
terms and texts are given on the command line, never stored in the project.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from framing.model.schema import Analysis
from framing.training.loaded_probe import (
    LOADED_PAIRS,
    LOADED_TECHNIQUES,
    ProbeDataError,
    ProbeSummary,
    load_pairs,
    loaded_word_score,
    overlapping_labels,
    run_probe,
    score_pairs,
)

__all__ = ["count_terms", "loaded_word_score", "main", "score_pairs"]


def term_pattern(term: str) -> re.Pattern[str]:
    return re.compile(r"(?<!\w)" + re.escape(term) + r"\w*", re.IGNORECASE)


@dataclass
class TermCount:
    term: str
    occurrences: int = 0
    highlighted: int = 0  # by a Loaded_Language / Name_Calling span
    highlighted_any: int = 0  # by a span of any technique


def count_terms(texts: Sequence[str], analyses: Sequence[Analysis], terms: Sequence[str]) -> list[TermCount]:
    """Occurrences of each term in the texts, and how many of them a span overlaps."""
    counts = [TermCount(term) for term in terms]
    for text, analysis in zip(texts, analyses, strict=True):
        for count in counts:
            for match in term_pattern(count.term).finditer(text):
                count.occurrences += 1
                count.highlighted += bool(overlapping_labels(analysis, *match.span(), LOADED_TECHNIQUES))
                count.highlighted_any += bool(overlapping_labels(analysis, *match.span()))
    return counts


def read_texts(folder: Path) -> list[str]:
    paths = sorted(folder.glob("*.txt"))
    if not paths:
        raise ProbeDataError(f"{folder}: no .txt files")
    return [path.read_text(encoding="utf-8") for path in paths]


def _score(value: float | None) -> str:
    return "" if value is None else f"{value:.3f}"


def report(summaries: Sequence[ProbeSummary], out: Callable[[str], None] = print) -> None:
    out("| operating point | pairs | loaded found | recall | neutral flagged (any span) | false-alarm rate "
        "| neutral flagged by LL/NC |")
    out("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    for s in summaries:
        out(f"| {s.operating_point} | {s.pairs} | {s.found} | {s.recall:.3f} | {s.false_alarms} "
            f"| {s.false_alarm_rate:.3f} | {s.false_alarms_loaded_techniques} |")
    for s in summaries:
        loaded = [r.loaded_score for r in s.results if r.loaded_score is not None]
        neutral = [r.neutral_score for r in s.results if r.neutral_score is not None]
        if loaded and neutral:
            out(f"\n{s.operating_point}: median LL/NC word score, loaded {np.median(loaded):.3f}, "
                f"neutral {np.median(neutral):.3f}")
        out(f"\nPer word ({s.operating_point}):\n")
        out("| pair | topic | loaded | found by | score | neutral | flagged by | score |")
        out("| --- | --- | --- | --- | ---: | --- | --- | ---: |")
        for r in s.results:
            out(f"| {r.id} | {r.topic} | {r.loaded_word} | {', '.join(r.loaded_labels) or '-'} "
                f"| {_score(r.loaded_score)} | {r.neutral_word} | {', '.join(r.neutral_labels) or '-'} "
                f"| {_score(r.neutral_score)} |")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", type=Path, help="model folder or registry (default: the shipped model)")
    parser.add_argument("--pairs", type=Path, default=LOADED_PAIRS, help="probe file (JSONL)")
    parser.add_argument("--json", type=Path, help="also write every figure and per-word result here")
    parser.add_argument("--texts", type=Path, help="folder of .txt files to count --term occurrences in")
    parser.add_argument("--term", action="append", default=[], help="a term to count in --texts (repeatable)")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--sensitivity", choices=("precise", "sensitive"), default="precise",
                        help="operating point the --texts term counts use")
    args = parser.parse_args(argv)
    if bool(args.texts) != bool(args.term):
        parser.error("--texts and --term go together")

    from framing.model.analyzer import Analyzer

    try:
        pairs = load_pairs(args.pairs)
        texts = read_texts(args.texts) if args.texts else []
    except ProbeDataError as error:
        print(f"bench_probe: {error}", file=sys.stderr)
        return 2
    analyzer = Analyzer.load(args.model, threads=args.threads)
    if args.sensitivity not in analyzer.operating_points:
        print(f"bench_probe: the model has no {args.sensitivity!r} thresholds", file=sys.stderr)
        return 2
    print(f"model {analyzer.info.name} {analyzer.info.version}; {len(pairs)} pairs from {args.pairs}\n")
    summaries = run_probe(analyzer, pairs)
    report(summaries)
    output: dict = {"model": analyzer.info.model_dump(), "pairs": str(args.pairs), "operating_points": [
        {**asdict(s), "recall": s.recall, "false_alarm_rate": s.false_alarm_rate} for s in summaries]}
    if texts:
        counts = count_terms(texts, analyzer.analyze_many(texts, sensitivity=args.sensitivity), args.term)
        print(f"\nTerms in {len(texts)} texts of {args.texts} ({args.sensitivity} operating point):\n")
        print("| term | occurrences | highlighted (LL/NC) | highlighted (any span) |")
        print("| --- | ---: | ---: | ---: |")
        for c in counts:
            print(f"| {c.term} | {c.occurrences} | {c.highlighted} | {c.highlighted_any} |")
        total = sum(c.occurrences for c in counts)
        print(f"| all | {total} | {sum(c.highlighted for c in counts)} | {sum(c.highlighted_any for c in counts)} |")
        output["terms"] = [asdict(c) for c in counts]
    if args.json:
        args.json.write_text(json.dumps(output, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
