"""`framing annotations`: export stored user feedback, and check annotation files before training.

    framing annotations export --db PATH -o OUT.jsonl   (PATH defaults to $FRAMING_FEEDBACK_DB)
    framing annotations check FILE_OR_FOLDER [--format F] [--strict]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from framing.model.errors import FramingError
from framing.training.documents import AnnotationError
from framing.training.feedback_store import FEEDBACK_DB_ENV, FeedbackStore, export_record
from framing.training.import_formats import FORMATS, read_annotations


def add_parser(subparsers) -> None:
    parser = subparsers.add_parser(
        "annotations", help="export user feedback; check annotation files",
        description="Work with annotations: export the feedback the service stored, or check that an "
                    "annotation file (Label Studio, doccano, simple JSONL, SemEval-2023 folder, SemEval-2021 "
                    "task 6, BABE CSV) reads cleanly.")
    actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")

    export = actions.add_parser(
        "export", help="write stored feedback as simple-format JSONL (for `framing train --data`)")
    export.add_argument("--db", type=Path, default=None,
                        help=f"feedback database (default: ${FEEDBACK_DB_ENV})")
    export.add_argument("-o", "--output", required=True, help="output .jsonl file ('-' for stdout)")

    check = actions.add_parser("check", help="read an annotation file and list every bad record")
    check.add_argument("path", type=Path, help="annotation file, or a corpus folder (SemEval-2023, SemEval-2021, BABE)")
    check.add_argument("--format", choices=FORMATS, help="skip format detection")
    check.add_argument("--strict", action="store_true", help="stop at the first bad record")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    return {"export": run_export, "check": run_check}[args.action](args)


def run_export(args: argparse.Namespace) -> int:
    db = args.db or (Path(os.environ[FEEDBACK_DB_ENV]) if os.environ.get(FEEDBACK_DB_ENV) else None)
    if db is None:
        raise FramingError(f"export: give --db PATH or set {FEEDBACK_DB_ENV}")
    if not db.is_file():
        raise FramingError(f"export: no feedback database at {db}")
    with FeedbackStore(db) as store:
        if args.output == "-":
            count = 0
            for count, record in enumerate(store.records(), start=1):  # noqa: B007 (count is used below)
                sys.stdout.write(json.dumps(export_record(record), ensure_ascii=False) + "\n")
            sys.stdout.flush()
        else:
            count = store.export_jsonl(args.output)
    print(f"exported {count} annotation(s) from {db} to {args.output}", file=sys.stderr)
    return 0


def run_check(args: argparse.Namespace) -> int:
    try:
        result = read_annotations(args.path, strict=args.strict, format=args.format)
    except (AnnotationError, ValueError) as error:
        print(f"framing annotations check: {error}", file=sys.stderr)
        return 1
    for problem in result.problems:
        print(problem)
    documents = result.documents
    spans = sum(len(document.spans) for document in documents)
    with_frames = sum(document.frames is not None for document in documents)
    print(f"{args.path}: {result.format} format, {len(documents)} document(s), {spans} span(s), "
          f"{with_frames} with frame annotation, {len(result.problems)} bad record(s)", file=sys.stderr)
    return 1 if result.problems else 0
