"""The `framing` command: one entry point, one subcommand per way in.

Each subcommand lives in its own module under `service/commands/` and registers itself with
`add_parser(subparsers)`; the module's `run(args)` returns the exit code. A `FramingError` that
escapes a command (or an OSError: a file that cannot be read or written) is reported here, once,
as `framing COMMAND: message` with exit status 2.
"""

from __future__ import annotations

import argparse
import importlib
import sys

from framing.model.errors import FramingError

# Module names under service.commands, in the order `framing --help` lists them.
COMMANDS = ("serve", "analyze", "batch", "annotations", "labelstudio", "train", "crossval", "calibrate",
            "fit_sentence_frames", "average", "evaluate", "models", "retrain", "report")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="framing",
        description="Find persuasion techniques and news frames in text, with exact spans.",
    )
    subparsers = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name in COMMANDS:
        importlib.import_module(f"framing.service.commands.{name}").add_parser(subparsers)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.run(args) or 0)
    except BrokenPipeError:
        # The reader went away (`framing analyze ... | head`): not an error worth a traceback.
        sys.stderr.close()
        return 0
    except (FramingError, OSError) as error:  # a bad input, setting or file: the message says which
        print(f"framing {args.command}: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
