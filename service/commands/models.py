"""`framing models`: list the versions in a registry and promote one for serving."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from framing.model.errors import FramingError
from framing.service.commands.probe_option import add_probe_options, probe_pairs
from framing.training.registry import GATE_METRICS, PromotionRefused, Registry

REGISTRY_ENV = "FRAMING_REGISTRY"


def add_parser(subparsers) -> None:
    parser = subparsers.add_parser("models", help="list and promote trained model versions")
    actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
    listing = actions.add_parser("list", help="versions with their held-out metrics; * marks the promoted one")
    promote = actions.add_parser("promote", help="serve VERSION; refused if its metrics fall below the current "
                                                 "or it loses the loaded-language probe's words")
    for action in (listing, promote):
        action.add_argument("--registry", type=Path, default=os.environ.get(REGISTRY_ENV),
                            help=f"registry folder (default: ${REGISTRY_ENV})")
    promote.add_argument("version")
    promote.add_argument("--force", action="store_true", help="promote even if metrics are lower")
    promote.add_argument("--data", action="append", metavar="PATH",
                         help="annotations the versions were trained on: when they were held out on different "
                              "articles, both are scored again on the held-out ones they share (repeatable)")
    add_probe_options(promote)
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    if args.registry is None:
        raise FramingError(f"give --registry or set {REGISTRY_ENV}")
    registry = Registry(args.registry)
    if args.action == "list":
        versions = registry.versions()
        if not versions:
            print(f"no versions in {args.registry}")
            return 0
        print("  version  created                    " + "  ".join(f"{m:>18}" for m in GATE_METRICS))
        for info in versions:
            values = "  ".join(f"{info.summary.get(m, float('nan')):>18.3f}" for m in GATE_METRICS)
            print(f"{'*' if info.promoted else ' '} {info.version:<8} {info.created:<26} {values}")
        return 0
    documents = None
    if args.data:
        from framing.training.data_sources import load_training_data

        documents = load_training_data(args.data).documents
    try:  # a bad name or a missing version is a RegistryError: the CLI's handler, exit status 2
        complaints = registry.promote(args.version, force=args.force, documents=documents,
                                      pairs=probe_pairs(args, "framing models"),
                                      on_note=lambda note: print(f"note: {note}", file=sys.stderr))
    except PromotionRefused as refusal:
        print(f"framing models: {refusal}", file=sys.stderr)
        return 1
    for complaint in complaints:
        print(f"warning (forced): {complaint}", file=sys.stderr)
    print(f"promoted {args.version}; a running service picks it up on SIGHUP or POST /v1/admin/reload")
    return 0
