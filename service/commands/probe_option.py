"""The promote gate's loaded-language probe, as `framing retrain` and `framing models promote` take it."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from framing.training.loaded_probe import LOADED_PAIRS, LoadedPair, default_pairs, load_pairs


def add_probe_options(parser: argparse.ArgumentParser) -> None:
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--probe", type=Path, metavar="JSONL",
                       help="loaded-language probe pairs the gate runs both versions on (default: the team's "
                            "data/probes/loaded_pairs.jsonl, which the package carries as framing.probes)")
    group.add_argument("--no-probe", action="store_true",
                       help="judge by the corpus figures alone (a model for other text than news, say)")


def probe_pairs(args: argparse.Namespace, command: str) -> list[LoadedPair] | None:
    """The pairs to run, or None (said on stderr) when the gate is to go without them."""
    if args.no_probe:
        return None
    path = args.probe or default_pairs()
    if path is None:
        print(f"{command}: the package's loaded-language probe is missing ({LOADED_PAIRS}; reinstall the "
              "package to restore it): the gate judges by the corpus figures alone; give --probe FILE to add it",
              file=sys.stderr)
        return None
    return load_pairs(path)  # a malformed or missing file: ProbeDataError, the CLI's handler
