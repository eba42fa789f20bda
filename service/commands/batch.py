"""`framing batch`: score a folder, JSONL or CSV of documents into a resumable JSONL of Analyses."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from framing.service.batch.inputs import INPUT_KINDS
from framing.service.batch.options import (
    DEFAULT_BATCH_SIZE,
    DEFAULT_MAX_CHARS,
    BatchError,
    BatchOptions,
    available_cores,
    default_semeval_dir,
)

EPILOG = """\
input:
  a folder of .txt files (the id is the file name without .txt), a .jsonl file of
  {"id": ..., "text": ...} records, a .csv (or .tsv) file with id and text columns,
  or '-' to read JSONL from stdin.

output:
  one Analysis JSON per line, each with its id. Re-running the same command skips the ids already
  in OUT, so an interrupted job is finished by running it again. Records that cannot be scored
  (unreadable, not UTF-8, no text, empty, too long, duplicate id) are listed in the errors file with
  the reason; the job carries on.

exit status: 0 all records scored, 1 some records failed, 2 the job could not start,
  130 interrupted (Ctrl-C), 143 terminated (SIGTERM).

examples:
  framing batch articles/ -o scored.jsonl
  framing batch news.csv -o scored.jsonl --workers 2
  framing batch dev-articles/ -o dev.jsonl --format semeval --semeval-dir dev-predictions/
  framing batch articles/ -o scored.jsonl --format labelstudio   # also scored.labelstudio.json
  framing labelstudio config > labeling.xml                       # the matching labeling interface

ray (pip install -e '.[ray]'):
  --engine ray scores on Ray Data: an actor pool, each actor loading the model once. INPUT is a
  .jsonl, .csv or .parquet file, a folder of them, or a URI pyarrow opens (s3://...). OUT ending
  in .jsonl gets the same lines as the local engine; any other OUT is a folder of Parquet parts,
  one row per document (id, model_version, operating_point, analysis as nested columns, and the
  input's other fields as columns), failed records in OUT/_errors/. Without --address a Ray starts
  on this machine; with one the job joins that cluster. A rerun skips finished shards and ids.
    framing batch news.parquet -o scored/ --engine ray --actors 2
    framing batch s3://bucket/news/ -o s3://bucket/scored/ --engine ray --address auto

label studio:
  --format labelstudio also writes a JSON array of Label Studio tasks: each text with the model's
  placed spans and frames as a prediction (model version, scores) to correct. Import it into a
  project set up with `framing labelstudio config`; its JSON export trains with `framing train --data`.
"""


def add_parser(subparsers) -> None:
    parser = subparsers.add_parser(
        "batch", help="score many documents into a JSONL file (resumable)",
        description="Score many documents: one Analysis per line, streamed, resumable.",
        epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("input", metavar="INPUT", help="folder of .txt files, .jsonl, .csv, or '-' (JSONL on stdin); "
                             "--engine ray: .jsonl, .csv, .parquet, a folder of them, or a URI")
    parser.add_argument("-o", "--output", required=True, metavar="OUT.jsonl",
                        help="results file; appended to, and what is in it is skipped on a re-run "
                             "(--engine ray: also a Parquet folder or URI)")
    parser.add_argument("--errors", type=Path, metavar="PATH",
                        help="errors file (default: OUT with the suffix .errors.jsonl)")
    parser.add_argument("--model", type=Path,
                        help="model directory, or a registry to use its promoted version (default: the shipped model)")
    parser.add_argument("--input-format", choices=("auto", *INPUT_KINDS), default="auto",
                        help="how to read INPUT (default: from the path: folder, .jsonl, .csv)")
    parser.add_argument("--max-chars", type=int, default=DEFAULT_MAX_CHARS, metavar="N",
                        help=f"longest text accepted, in characters (default {DEFAULT_MAX_CHARS})")
    parser.add_argument("--batch-size", type=int, default=DEFAULT_BATCH_SIZE, metavar="N",
                        help=f"documents per model call (default {DEFAULT_BATCH_SIZE})")
    parser.add_argument("--workers", type=int, metavar="N",
                        help=f"worker processes, each with its own model (default: one per idle core, "
                             f"at most {available_cores()}; 1 scores in this process)")
    parser.add_argument("--threads", type=int, default=1, metavar="N",
                        help="torch threads per worker (default 1: processes scale better than threads)")
    parser.add_argument("--format", choices=("jsonl", "semeval", "labelstudio"), default="jsonl",
                        help="'semeval' also writes SemEval-2023 task 3 span, paragraph and frame files; "
                             "'labelstudio' also writes Label Studio tasks with the model's predictions")
    parser.add_argument("--labelstudio-file", type=Path, metavar="PATH",
                        help="the Label Studio tasks file (default: OUT's name with .labelstudio.json)")
    parser.add_argument("--semeval-dir", type=Path, metavar="DIR",
                        help="folder for the SemEval files (default: OUT's name with -semeval)")
    progress = parser.add_mutually_exclusive_group()
    progress.add_argument("--progress", dest="progress", action="store_true", default=None,
                          help="show a progress bar even when stderr is not a terminal")
    progress.add_argument("--no-progress", dest="progress", action="store_false",
                          help="plain log lines instead of a progress bar")
    parser.add_argument("--log-every", type=float, default=10.0, metavar="SECONDS",
                        help="seconds between progress lines when there is no bar (default 10)")
    parser.add_argument("--sensitivity", choices=("precise", "sensitive"), default="precise",
                        help="operating point, as the API's options.sensitivity: precise (F1-fitted thresholds, "
                             "the default) or sensitive (recall-fitted: more highlights, more false alarms); "
                             "a model without sensitive thresholds refuses it (exit 2)")
    parser.add_argument("--engine", choices=("local", "ray"), default="local",
                        help="local (default): worker processes on this machine; ray: Ray Data, locally or on "
                             "a cluster (needs pip install -e '.[ray]')")
    parser.add_argument("--address", metavar="ADDR",
                        help="with --engine ray: join the Ray cluster at ADDR ('auto', host:port, ray://...) "
                             "instead of starting a local Ray")
    parser.add_argument("--actors", type=int, metavar="N",
                        help="with --engine ray: scoring actors, each with its own model and --threads cores "
                             "(default: one per idle core, or per cluster CPU with --address)")
    parser.add_argument("--shard-rows", type=int, metavar="N",
                        help="with --engine ray: records per shard, the unit of work and of resume "
                             "(default 128; a resumed Parquet output keeps its own)")
    parser.add_argument("--summary-json", type=Path, metavar="PATH",
                        help="also write the final summary (counts, time, docs/s) to this JSON file")
    parser.set_defaults(run=run)


def _check_engine(args: argparse.Namespace) -> None:
    if args.engine == "ray":
        for given, flag in ((args.format != "jsonl", f"--format {args.format}"),
                            (args.workers is not None, "--workers"), (args.semeval_dir is not None, "--semeval-dir"),
                            (args.labelstudio_file is not None, "--labelstudio-file")):
            if given:
                raise BatchError(f"{flag} is for the local engine; --engine ray writes JSONL or Parquet "
                                 f"(use --actors for parallelism)")
        if args.errors is not None and not str(args.output).lower().endswith(".jsonl"):
            raise BatchError("--errors is for JSONL output; a Parquet output keeps its failed records in OUT/_errors/")
        return
    for value, flag in ((args.address, "--address"), (args.actors, "--actors"), (args.shard_rows, "--shard-rows")):
        if value is not None:
            raise BatchError(f"{flag} needs --engine ray")


# Output names that promise another format than the JSON Lines (or Parquet folder) batch writes.
OTHER_FORMAT_SUFFIXES = (".csv", ".tsv", ".json", ".xlsx", ".xls", ".txt")


def _check_output_name(output: str) -> None:
    suffix = Path(output).suffix.lower()
    if suffix in OTHER_FORMAT_SUFFIXES:
        raise BatchError(f"-o {output}: batch writes JSON Lines (one Analysis a line), not {suffix[1:].upper()}; "
                         f"name the file .jsonl (--engine ray also writes a Parquet folder)")


def run(args: argparse.Namespace) -> int:
    output_as_given = args.output  # a URI for --engine ray keeps its '//'
    _check_output_name(str(output_as_given))
    args.output = Path(args.output)
    _check_engine(args)
    if args.workers is not None and args.workers < 1:
        raise BatchError("--workers must be at least 1")
    if args.semeval_dir is not None and args.format != "semeval":
        raise BatchError("--semeval-dir needs --format semeval")
    if args.labelstudio_file is not None and args.format != "labelstudio":
        raise BatchError("--labelstudio-file needs --format labelstudio")
    if args.format == "labelstudio":
        from framing.service.batch.labelstudio_output import check_input

        check_input(args.input)
    options = BatchOptions(
        input=args.input,
        output=args.output,
        errors=args.errors,
        model=args.model,
        input_format=args.input_format,
        max_chars=args.max_chars,
        batch_size=args.batch_size,
        workers=args.workers,
        threads=args.threads,
        semeval_dir=(args.semeval_dir or default_semeval_dir(args.output)) if args.format == "semeval" else None,
        progress=args.progress,
        log_every=args.log_every,
        sensitivity=args.sensitivity,
    )
    if args.engine == "ray":
        from framing.service.batch.ray_engine import RayOptions, run_ray_batch

        summary = run_ray_batch(options, RayOptions(args.address, args.actors, args.shard_rows,
                                                          output=output_as_given))
    else:
        from framing.service.batch.job import run_batch  # the run loop's imports cost seconds: not for --help

        summary = run_batch(options)  # a BatchError stops the job: the CLI reports it, exit status 2
    print(summary.line(), file=sys.stderr, flush=True)
    if args.summary_json is not None:
        args.summary_json.write_text(json.dumps(summary.report().model_dump(), indent=2) + "\n", encoding="utf-8")
    if summary.interrupted_by is not None:
        return 128 + int(summary.interrupted_by)
    if args.format == "labelstudio":
        from framing.service.batch.inputs import detect_input_kind
        from framing.service.batch.labelstudio_output import default_tasks_path, write_labelstudio_tasks

        tasks_path = args.labelstudio_file or default_tasks_path(args.output)
        count = write_labelstudio_tasks(args.input, detect_input_kind(args.input, args.input_format),
                                        args.max_chars, args.output, tasks_path)
        print(f"wrote {count} Label Studio task(s) to {tasks_path} (labeling interface: "
              f"`framing labelstudio config`)", file=sys.stderr)
    return 1 if summary.failed else 0
