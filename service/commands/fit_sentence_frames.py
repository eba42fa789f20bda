"""`framing fit-sentence-frames`: (re)fit a model folder's sentence-frame model, leaving the rest as it is."""

from __future__ import annotations

import argparse
from pathlib import Path

from framing.training.config import SENTENCE_FRAME_EPOCHS


def add_parser(subparsers) -> None:
    parser = subparsers.add_parser(
        "fit-sentence-frames", help="fit the model that says which frames each sentence carries",
        description="Fit the sentence-frame model of a trained model folder: a small head over each sentence's "
                    "own words, trained from article frame labels (multiple-instance learning), its thresholds "
                    "fitted on out-of-fold scores (k-fold over the framed articles). Article frames, techniques "
                    "and spans are not changed. See README, 'Sentence frames'.")
    parser.add_argument("model", type=Path, help="a trained model folder (written in place)")
    parser.add_argument("--data", action="append", required=True, type=Path, metavar="PATH",
                        help="annotations with article frames; repeat as in `framing train`")
    examples = parser.add_mutually_exclusive_group()
    examples.add_argument("--examples", type=Path, metavar="FILE",
                          help='team-written sentences, one JSON object a line: {"id", "frame", "text"}, used as '
                               "extra sentence-level supervision (default: the ones the folder's sentence-frame "
                               "model was fitted with, if any)")
    examples.add_argument("--no-examples", action="store_true", help="fit from the article labels alone")
    parser.add_argument("--folds", type=int, default=5, help="folds of the cross-validation (default 5)")
    parser.add_argument("--seed", type=int, default=13, help="seed of the folds and the training (default 13)")
    parser.add_argument("--epochs", type=int, default=SENTENCE_FRAME_EPOCHS,
                        help=f"passes over the articles (default {SENTENCE_FRAME_EPOCHS})")
    parser.add_argument("--max-share", type=float, default=0.5, metavar="SHARE",
                        help="a frame's threshold keeps the median share of sentences passing it in an article "
                             "with that frame at most this (default 0.5)")
    parser.set_defaults(run=run)


def add_sentence_frame_arguments(parser: argparse.ArgumentParser, fallback: str) -> None:
    """The options of a command that writes a trained folder (and so fits its sentence-frame model)."""
    parser.add_argument("--sentence-examples", metavar="FILE",
                        help='team-written sentences that each carry one frame, one JSON object a line ({"id", '
                             '"frame", "text"}), for the sentence-frame model fitted into the written folder '
                             f"(default: the config's sentence_frame_examples, else {fallback})")
    parser.add_argument("--no-sentence-frames", action="store_true",
                        help="write the folder without a sentence-frame model (sentence frames then come from "
                             "the network's frame head)")


def run(args: argparse.Namespace) -> int:
    from framing.model.folder import ModelFolder
    from framing.training.data_sources import load_training_data
    from framing.training.errors import TrainingError
    from framing.training.sentence_frame_fit import fit_sentence_frames, read_examples
    from framing.training.sentence_frames import FitSettings

    if args.folds < 2 or args.epochs < 1 or not 0 < args.max_share <= 1:
        raise TrainingError("--folds must be at least 2, --epochs at least 1 and --max-share in (0, 1]")
    data = load_training_data(args.data)
    stored = ModelFolder.resolve(args.model, check=False).sentence_frame_examples()
    source = None if args.no_examples else args.examples or stored
    examples = read_examples(source) if source else []
    settings = FitSettings(epochs=args.epochs, seed=args.seed, max_share=args.max_share)
    model = fit_sentence_frames(args.model, data.documents, examples, settings, folds=args.folds, seed=args.seed)
    record = model.settings
    print(f"{args.model}: sentence frames fitted on {record['articles']} articles ({record['sentences']} sentences, "
          f"{record['examples']} examples{' kept from the folder' if source and source == stored else ''}), "
          f"{record['folds']}-fold thresholds (seed {record['seed']})")
    beta = record["settings"]["beta"]
    print(f"| frame | threshold | article F{beta:g} (out of fold) | median share of sentences passing |")
    print("| --- | ---: | ---: | ---: |")
    for name, row in record["frames"].items():
        print(f"| {name} | {row['threshold']:.4f} | {row['article_fbeta']:.3f} | {row['median_share']:.3f} |")
    return 0
