"""`framing crossval`: k-fold cross-validation over all annotated articles, then a model trained on all."""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

from framing.model.errors import FramingError
from framing.service.commands.fit_sentence_frames import add_sentence_frame_arguments
from framing.training.config import TrainConfig


def add_parser(subparsers) -> None:
    parser = subparsers.add_parser(
        "crossval", help="cross-validate over all annotated articles, then train the model on all of them",
        description="Train k fold models (each on k-1 folds), fit thresholds and measure every figure on their "
                    "out-of-fold scores (mean and spread over the folds, TF-IDF baseline beside), then train "
                    "the model on all articles with those thresholds. The model goes to RUN_DIR/model. "
                    "Re-running the same command resumes: finished folds are skipped, a killed fold continues "
                    "from its checkpoint.")
    parser.add_argument("--data", action="append", required=True, type=Path, metavar="PATH",
                        help="annotations, as for `framing train`; repeat to combine sources")
    parser.add_argument("-o", "--output", required=True, type=Path, metavar="RUN_DIR",
                        help="run folder: plan, fold models, out-of-fold scores, figures and the final model")
    parser.add_argument("-k", "--folds", type=int, default=5, help="number of folds (default 5)")
    parser.add_argument("--seed", type=int, help="seed of the deal into folds and of training (config's seed)")
    gate = parser.add_mutually_exclusive_group()
    gate.add_argument("--gate-fraction", type=float, default=0.0, metavar="F",
                      help="set aside this share of the articles (seeded) as a gate set that no fold and not "
                           "the final model trains on; recorded in the model's data.json")
    gate.add_argument("--gate-from", type=Path, metavar="MODEL",
                      help="use the articles a model held out (its gate set or held-out articles) as the gate set")
    parser.add_argument("--config", type=Path, help="JSON file of training settings (see training/config.py)")
    parser.add_argument("--epochs", type=float, help="passes over each fold model's training articles")
    parser.add_argument("--max-steps", type=int, help="stop every model after this many steps (quick runs)")
    parser.add_argument("--version", help="version string recorded in the model")
    parser.add_argument("--threads", type=int, help="torch CPU threads")
    parser.add_argument("--device", help="torch device that trains, e.g. cuda (default: the config's, cpu)")
    parser.add_argument("--part", metavar="PART",
                        help="train only this part into RUN_DIR and stop: fold:N (a fold model and its "
                             "out-of-fold scores) or final (the final network); run parts side by side, then "
                             "the same command without --part fits the thresholds and writes the model")
    parser.add_argument("--no-baseline", action="store_true", help="skip the TF-IDF baseline")
    parser.add_argument("--strict", action="store_true", help="stop at the first bad record")
    add_sentence_frame_arguments(parser, fallback="none")
    parser.add_argument("--use-folds", metavar="N,N,...",
                        help="train and use only these folds (at least two, from 1): their out-of-fold scores give "
                             "the thresholds and figures, and the model card says so; for a run whose other fold "
                             "models were lost")
    parser.add_argument("--reuse-reference-figures", action="store_true",
                        help="when packaging a finished run again (a new version, other serving shares), keep the "
                             "network-alone and baseline rows and the baseline's thresholds from its last "
                             "packaging if the folds and span settings are the same, and fit only the served "
                             "system: about a third of the time; leave it off after changing calibration code")
    parser.add_argument("--dry-run", action="store_true",
                        help="print the folds, the steps and a time estimate; train nothing")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s", stream=sys.stderr)
    from framing.model.folder import ModelFolder
    from framing.training.crossval import crossval, crossval_part, describe_plan
    from framing.training.data_sources import load_training_data
    from framing.training.fold_plan import FoldPlan

    data = load_training_data(args.data, strict=args.strict)
    for problem in data.problems:
        print(f"skipped: {problem}", file=sys.stderr)
    if not data.documents:
        raise FramingError("no usable annotated documents")
    config = TrainConfig.from_file(args.config, epochs=args.epochs, max_steps=args.max_steps, seed=args.seed,
                                   version=args.version, threads=args.threads, device=args.device,
                                   baseline=False if args.no_baseline else None,
                                   sentence_frame_examples=args.sentence_examples,
                                   sentence_frames=False if args.no_sentence_frames else None)
    gate_ids = None
    if args.gate_from:
        gate_ids = ModelFolder.resolve(args.gate_from, check=False).heldout_ids()
        if gate_ids is None:
            raise FramingError(f"{args.gate_from} has no data record (data.json) saying what it held out")
    if args.dry_run:
        from framing.training.word_stack import lexicon_only

        trained = lexicon_only(data.documents, config.lexicon_only_formats)[0]
        plan = FoldPlan.make(trained, args.folds, config.seed, args.gate_fraction, gate_ids, config.train_only_formats)
        print("\n".join(describe_plan(plan, trained, config)))
        return 0
    if args.part:
        crossval_part(data.documents, args.output, config, args.folds, args.part, args.gate_fraction, gate_ids)
        print(f"part {args.part} finished in {args.output}")
        return 0
    use_folds = None
    if args.use_folds:
        try:
            use_folds = [int(number) - 1 for number in args.use_folds.split(",")]
        except ValueError as error:
            raise FramingError(f"--use-folds takes fold numbers separated by commas, got {args.use_folds!r}") from error
    metrics = crossval(data.documents, args.output, config, args.folds, args.gate_fraction, gate_ids,
                       sources=data.sources, use_folds=use_folds,
                       reuse_references=args.reuse_reference_figures)
    print(f"model written to {args.output / 'model'} ({metrics.split.protocol})")
    assert metrics.cross_validation is not None
    for name, figures in metrics.cross_validation.systems.items():
        mean, spread = figures.mean.model_dump(), figures.spread.model_dump()
        print(name, " ".join(f"{key}={mean[key]:.3f}±{spread[key]:.3f}" for key in mean))
    if data.problems:
        print(f"{len(data.problems)} bad records skipped (see above)", file=sys.stderr)
    return 0
