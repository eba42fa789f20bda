"""`framing analyze`: one text from an argument, a file or stdin, to JSON or highlighted text."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from framing.model.analyzer import Analyzer
from framing.model.errors import FramingError


def add_parser(subparsers) -> None:
    parser = subparsers.add_parser("analyze", help="analyse one text and print its Analysis",
                                   description="Analyse one text. Reads TEXT, or --file, or stdin.")
    parser.add_argument("text", nargs="?", help="the text itself; omit to read --file or stdin")
    parser.add_argument("-f", "--file", type=Path, help="read the text from this UTF-8 file ('-' for stdin)")
    parser.add_argument("--id", help="document id to put in the output")
    parser.add_argument("--model", type=Path,
                        help="model directory, or a registry to use its promoted version (default: the shipped model)")
    parser.add_argument("--pretty", action="store_true", help="print the text with highlighted spans")
    parser.set_defaults(run=run)


def read_input(args: argparse.Namespace) -> str:
    if args.text is not None and args.file is not None:
        raise FramingError("give the text or --file, not both")
    if args.text is not None:
        return args.text
    if args.file is not None and str(args.file) != "-":
        try:
            return args.file.read_text(encoding="utf-8")
        except UnicodeDecodeError as error:
            raise FramingError(f"{args.file}: not valid UTF-8 ({error.reason})") from error
        except OSError as error:
            raise FramingError(f"{args.file}: {error.strerror}") from error
    if sys.stdin.isatty():
        raise FramingError("no text given: pass TEXT, --file PATH, or pipe text on stdin")
    return sys.stdin.read()


def run(args: argparse.Namespace) -> int:
    text = read_input(args)
    # A model folder, a registry (its promoted version) or the shipped model; the FramingErrors of a
    # bad folder or an empty text reach the CLI's one handler.
    analysis = Analyzer.load(args.model).analyze(text, args.id)
    if args.pretty:
        from framing.service.pretty import print_pretty

        print_pretty(text, analysis)
    else:
        print(analysis.model_dump_json(indent=2))
    return 0
