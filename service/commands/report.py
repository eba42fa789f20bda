"""`framing report`: batch output (JSONL or Parquet) into one self-contained HTML page of corpus figures."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

EPILOG = """\
input:
  the output of `framing batch`: a .jsonl file of Analyses (an optional "metadata" object per line
  carries fields such as source and date), or Parquet with one row per document (id, model_version,
  operating_point, an analysis struct, and metadata fields as columns), as a file or a folder of shards.
  Records that are not an Analysis are counted, reported and skipped.

the page:
  technique and frame rates overall and per group (--by), technique rates over time when the
  documents have an ISO `date` field, the most frequent highlighted phrases per technique with
  examples, techniques that share a sentence, and the articles with the most flagged sentences.
  Plotly's JavaScript is inside the file: it opens offline, nothing is fetched.

examples:
  framing batch articles.jsonl -o analyses.jsonl && framing report analyses.jsonl -o report.html
  framing report scored/ -o report.html --by source          # a folder of Parquet shards
  framing report analyses.jsonl -o report.html --by date --period month
  framing report analyses.jsonl -o report.html --texts articles.jsonl   # quote whole example sentences
"""


def add_parser(subparsers) -> None:
    parser = subparsers.add_parser(
        "report", help="corpus report (HTML, charts) from batch output",
        description="Turn batch output into one HTML report with interactive charts that opens offline.",
        epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("input", type=Path, metavar="ANALYSES",
                        help="`framing batch` output: .jsonl, .parquet, or a folder of shards")
    parser.add_argument("-o", "--output", type=Path, required=True, metavar="REPORT.html", help="the page to write")
    parser.add_argument("--by", metavar="FIELD",
                        help="compare groups of documents by a metadata field (source, date, ...), "
                             "model_version or operating_point")
    parser.add_argument("--period", choices=("day", "week", "month"),
                        help="timeline bucket (default: from the dates' span: day up to 2 months, week up to "
                             "2 years, month beyond)")
    parser.add_argument("--texts", type=Path, metavar="INPUT",
                        help="the input the batch job scored (folder of .txt, .jsonl, .csv, or Parquet with id and "
                             "text): the examples then quote whole sentences, not just the highlighted words")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from framing.service.report.aggregate import aggregate
    from framing.service.report.load import describe_skipped, load
    from framing.service.report.page import write

    corpus = load(args.input)  # a ReportError (bad input, unknown --by) is reported by the CLI: exit 2
    try:
        data = aggregate(corpus, by=args.by, period=args.period)
    finally:
        corpus.connection.close()
    if args.texts is not None:
        from framing.service.report.texts import quote_sentences

        quoted, missing = quote_sentences(data, args.texts)
        if missing:
            print(f"framing report: --texts: {missing} example sentence(s) not found in {args.texts} "
                  f"({quoted} quoted)", file=sys.stderr)
    if corpus.skipped:
        print(f"framing report: {args.input}: {describe_skipped(corpus)}", file=sys.stderr)
    write(data, args.output)
    print(f"framing report: {data.documents:,} documents, {data.sentences:,} sentences -> {args.output}",
          file=sys.stderr)
    return 0
