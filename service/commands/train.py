"""`framing train`: fine-tune on one or more annotation sources into a model folder or a registry."""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from framing.model.errors import FramingError
from framing.training.config import TrainConfig

if TYPE_CHECKING:
    from framing.training.reports import TrainingMetrics


def add_parser(subparsers) -> None:
    parser = subparsers.add_parser(
        "train", help="train a model on annotated articles",
        description="Train the technique tagger and frame classifier. Re-running the same command "
                    "resumes an interrupted run from its last checkpoint.")
    parser.add_argument("--data", action="append", required=True, type=Path, metavar="PATH",
                        help="annotations: a SemEval-2023 task 3 folder, a SemEval-2021 task 6 folder or file, a "
                             "BABE CSV or its folder, Label Studio JSON, doccano JSONL or simple JSONL (format "
                             "detected; name it as FORMAT=PATH, e.g. babe=corpus/, where detection cannot tell); "
                             "repeat to combine sources")
    target = parser.add_mutually_exclusive_group(required=True)
    target.add_argument("-o", "--output", type=Path, help="write the model to this folder")
    target.add_argument("--registry", type=Path, help="write the model as a new version in this registry")
    parser.add_argument("--config", type=Path, help="JSON file of training settings (see training/config.py)")
    parser.add_argument("--init-from", type=Path, metavar="MODEL",
                        help="start from a trained model's weights (fine-tune on fresh annotations)")
    parser.add_argument("--epochs", type=float, help="passes over the training articles")
    parser.add_argument("--max-steps", type=int, help="stop after this many steps (quick runs)")
    parser.add_argument("--seed", type=int)
    parser.add_argument("--version", help="version string recorded in the model")
    parser.add_argument("--threads", type=int, help="torch CPU threads")
    parser.add_argument("--no-baseline", action="store_true", help="skip the TF-IDF baseline")
    parser.add_argument("--strict", action="store_true", help="stop at the first bad record")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s", stream=sys.stderr)
    from framing.training.data_sources import load_training_data
    from framing.training.registry import Registry
    from framing.training.train import train

    data = load_training_data(args.data, strict=args.strict)  # an AnnotationError reaches the CLI's handler
    for problem in data.problems:
        print(f"skipped: {problem}", file=sys.stderr)
    if not data.documents:
        raise FramingError("no usable annotated documents")

    registry = Registry(args.registry) if args.registry else None
    version = args.version
    if registry:
        version = version or registry.next_version()
        output, work_dir = registry.version_dir(version), registry.work_dir(version)
    else:
        output, work_dir = args.output, None
    # Bad settings, --init-from or teacher_path raise FramingErrors, reported by the CLI's handler.
    config = TrainConfig.from_file(args.config, epochs=args.epochs, max_steps=args.max_steps, seed=args.seed,
                                   version=version, threads=args.threads,
                                   baseline=False if args.no_baseline else None)
    metrics = train(data.documents, output, config, init_from=args.init_from, work_dir=work_dir,
                    sources=data.sources)
    if registry:
        import shutil

        shutil.rmtree(registry.work_dir(version), ignore_errors=True)
    print_model_summary(output, metrics)
    if data.problems:
        print(f"{len(data.problems)} bad records skipped (see above)", file=sys.stderr)
    return 0


def print_model_summary(output: Path, metrics: TrainingMetrics) -> None:
    """Where the model went and its held-out figures, one line per system (train, calibrate, average)."""
    print(f"model written to {output}")
    for name, values in metrics.summary.items():
        print(name, " ".join(f"{key}={value:.3f}" for key, value in values.model_dump().items()))
