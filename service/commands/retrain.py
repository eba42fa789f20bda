"""`framing retrain`: one correction round: stored corrections in, a judged (maybe promoted) version out."""

from __future__ import annotations

import argparse
import logging
import os
import sys
from pathlib import Path

from framing.model.errors import FramingError
from framing.service.commands.probe_option import add_probe_options, probe_pairs

EXAMPLES = """\
examples:
  framing retrain --registry models/ --db feedback.sqlite3             # train and compare; promote by hand
  framing retrain --registry models/ --data fixes.jsonl --promote      # promote if the gate passes
  framing retrain --registry models/ --db feedback.sqlite3 --corpus corpus/ --config round.json
Re-running an interrupted round resumes it from its checkpoint.
"""


def add_parser(subparsers) -> None:
    parser = subparsers.add_parser(
        "retrain", help="fine-tune the promoted version on stored corrections, compare, optionally promote",
        description="Fine-tune a registry's promoted version on fresh corrections (the feedback database or "
                    "annotation files), each repeated fresh_repeats times beside replay_articles corpus articles, "
                    "judge both versions on the same held-out articles and held-out corrections and on the "
                    "loaded-language probe, and print the comparison. The new version is held out only on "
                    "articles no model of its lineage trained on.",
        epilog=EXAMPLES, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--registry", type=Path, required=True, help="registry folder (versions/, PROMOTED)")
    parser.add_argument("--db", type=Path, help="feedback database to take the corrections from "
                                                "(default: $FRAMING_FEEDBACK_DB when no --data is given)")
    parser.add_argument("--data", action="append", default=[], metavar="PATH",
                        help="annotation files with corrections (any format `framing train` reads); repeatable")
    parser.add_argument("--corpus", action="append", default=[], metavar="PATH",
                        help="the corpus the promoted version was trained on (default: the sources its data.json "
                             "records); replayed in training, and its held-out articles judge both versions")
    parser.add_argument("--config", type=Path, metavar="JSON",
                        help="training settings over the promoted version's own (defaults for a round: epochs 1, "
                             "fresh_repeats 4, replay_articles 40)")
    parser.add_argument("--threads", type=int, metavar="N", help="torch CPU threads (default: torch's choice)")
    parser.add_argument("--promote", action="store_true",
                        help="promote the new version if the gate passes (its corpus figures do not fall and it "
                             "keeps finding the probe's loaded words)")
    add_probe_options(parser)
    parser.add_argument("--strict", action="store_true", help="stop at the first bad record (default: skip it)")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from framing.training.feedback_store import FEEDBACK_DB_ENV

    db = args.db
    if db is None and not args.data and os.environ.get(FEEDBACK_DB_ENV):
        db = Path(os.environ[FEEDBACK_DB_ENV])
    if db is None and not args.data:
        raise FramingError(f"give --db PATH (or set {FEEDBACK_DB_ENV}) or --data FILE: the corrections to learn")
    if db is not None and not db.is_file():
        raise FramingError(f"{db}: no such feedback database")
    pairs = probe_pairs(args, "framing retrain")  # read before hours of training, so a bad file stops it now
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s", stream=sys.stderr)
    from framing.training.registry import Registry
    from framing.training.retrain import run_round

    registry = Registry(args.registry)
    result = run_round(registry, args.data, args.corpus, settings=args.config, threads=args.threads, db=db,
                       strict=args.strict, pairs=pairs)
    print(f"{result.version} fine-tuned from {result.base}, written to {registry.version_dir(result.version)}")
    print("\n".join(result.lines()))
    if not args.promote:
        print(f"not promoted; to serve it: framing models promote {result.version} --registry {args.registry} "
              f"--data <the corpus and corrections>")
        return 0
    evidence = result.comparison()
    registry.promote(result.version, evidence=evidence)  # a RegistryError (gate refused): the CLI's handler
    print(f"promoted {result.version}; a running service picks it up on SIGHUP or POST /v1/admin/reload")
    return 0
