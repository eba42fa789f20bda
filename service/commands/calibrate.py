"""`framing calibrate`: refit a trained model's thresholds and re-measure it, without training."""

from __future__ import annotations

import argparse
from pathlib import Path


def add_parser(subparsers) -> None:
    parser = subparsers.add_parser(
        "calibrate", help="refit a model's thresholds on its held-out articles, without training",
        description="Score the model's held-out articles again, refit its per-label thresholds and span units, "
                    "and rewrite its metrics, report and model card. Use it after a change to decoding or "
                    "calibration. The data must be what the model was trained on (the held-out split is checked).")
    parser.add_argument("model", type=Path, help="a trained model folder")
    parser.add_argument("-o", "--output", type=Path, help="write the recalibrated model here (default: in place)")
    add_recalibration_arguments(parser, quantization_default="the model's own")
    parser.set_defaults(run=run)


def add_recalibration_arguments(parser: argparse.ArgumentParser, quantization_default: str) -> None:
    """--data and --quantization, shared with `framing average`, which recalibrates the same way."""
    parser.add_argument("--data", action="append", required=True, type=Path, metavar="PATH",
                        help="the annotations the model(s) were trained on; repeat as in `framing train`")
    # Spelled out rather than read from model.quantization, so that building the parser skips torch.
    parser.add_argument("--quantization", choices=("none", "int8"),
                        help="serve the network in this arithmetic and fit the thresholds to it "
                             f"(default: {quantization_default})")


def run(args: argparse.Namespace) -> int:
    from framing.service.commands.train import print_model_summary
    from framing.training.data_sources import load_training_data
    from framing.training.packaging import recalibrate

    data = load_training_data(args.data)  # FramingErrors here and below reach the CLI's handler
    metrics = recalibrate(args.model, data.documents, args.output or args.model, data.sources,
                          quantization=args.quantization)
    print_model_summary(args.output or args.model, metrics)
    return 0
