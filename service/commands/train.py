"""`framing train`: fine-tune on one or more annotation sources into a model folder or a registry."""

from __future__ import annotations

import argparse
import json
import logging
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from framing.model.errors import FramingError
from framing.service.commands.fit_sentence_frames import add_sentence_frame_arguments
from framing.training.config import TrainConfig

if TYPE_CHECKING:
    from framing.training.reports import TrainingMetrics


def settings_epilog() -> str:
    """Every training setting with its default and meaning, for `--help` and `--print-config`."""
    lines = ["settings (a --config JSON file sets any of them; the flags above override it):"]
    for name, field in TrainConfig.model_fields.items():
        default = json.dumps(field.default)
        lines.append(f"  {name} = {default}" + (f"  ({field.description})" if field.description else ""))
    return "\n".join(lines) + "\n\nexamples:\n" + EXAMPLES


EXAMPLES = """\
  framing train --print-config > settings.json      # every setting at its default, to edit
  framing train --data corpus/ -o my-model
  framing train --data corrections.jsonl --init-from my-model --registry models/ --epochs 1
"""


def add_parser(subparsers) -> None:
    parser = subparsers.add_parser(
        "train", help="train a model on annotated articles",
        description="Train the technique tagger and frame classifier. Re-running the same command "
                    "resumes an interrupted run from its last checkpoint.",
        epilog=settings_epilog(), formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", action="append", type=Path, metavar="PATH",
                        help="annotations: a SemEval-2023 task 3 folder, a SemEval-2021 task 6 folder or file, a "
                             "BABE CSV or its folder, Label Studio JSON, doccano JSONL or simple JSONL (format "
                             "detected; name it as FORMAT=PATH, e.g. babe=corpus/, where detection cannot tell); "
                             "repeat to combine sources")
    target = parser.add_mutually_exclusive_group()
    target.add_argument("-o", "--output", type=Path, help="write the model to this folder")
    target.add_argument("--registry", type=Path, help="write the model as a new version in this registry")
    parser.add_argument("--config", type=Path, metavar="JSON",
                        help="JSON object of training settings (listed below; `--print-config` writes them all)")
    parser.add_argument("--print-config", action="store_true",
                        help="print every setting with its value (defaults, then --config and the flags) as "
                             "JSON, and exit")
    parser.add_argument("--init-from", type=Path, metavar="MODEL",
                        help="start from a trained model's weights (fine-tune on fresh annotations; default: "
                             "the pretrained encoder)")
    parser.add_argument("--epochs", type=float, metavar="N",
                        help="passes over the training articles "
                             f"(default {TrainConfig.model_fields['epochs'].default})")
    parser.add_argument("--max-steps", type=int, metavar="N",
                        help="stop after this many optimizer steps, for quick runs (default: no limit)")
    parser.add_argument("--seed", type=int, metavar="N",
                        help="random seed for the held-out split, shuffling and initial weights "
                             f"(default {TrainConfig.model_fields['seed'].default})")
    parser.add_argument("--version", help="version string recorded in the model (default: the registry's "
                                          f"next, else {TrainConfig.model_fields['version'].default})")
    parser.add_argument("--threads", type=int, metavar="N", help="torch CPU threads (default: torch's choice)")
    parser.add_argument("--no-baseline", action="store_true",
                        help="skip the TF-IDF baseline (and so the served ensemble: the network alone is served)")
    parser.add_argument("--strict", action="store_true", help="stop at the first bad record (default: skip it)")
    add_sentence_frame_arguments(parser, fallback="the --init-from model's")
    parser.set_defaults(run=run)


def settings(args: argparse.Namespace, version: str | None) -> TrainConfig:
    """The --config file's settings with the flags on top (what --print-config shows and train uses)."""
    return TrainConfig.from_file(args.config, epochs=args.epochs, max_steps=args.max_steps, seed=args.seed,
                                 version=version, threads=args.threads,
                                 baseline=False if args.no_baseline else None,
                                 sentence_frame_examples=args.sentence_examples,
                                 sentence_frames=False if args.no_sentence_frames else None)


def run(args: argparse.Namespace) -> int:
    if args.print_config:
        print(json.dumps(settings(args, args.version).model_dump(), indent=2))
        return 0
    if not args.data:
        raise FramingError("give --data PATH (the annotations to train on)")
    if args.output is None and args.registry is None:
        raise FramingError("give -o/--output FOLDER or --registry FOLDER (where the model goes)")
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
    config = settings(args, version)
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
