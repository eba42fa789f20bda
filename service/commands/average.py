"""`framing average`: average the weights of runs that share a starting point, then recalibrate."""

from __future__ import annotations

import argparse
from pathlib import Path

from framing.service.commands.calibrate import add_recalibration_arguments


def add_parser(subparsers) -> None:
    parser = subparsers.add_parser(
        "average", help="average the weights of runs fine-tuned from one model, then recalibrate",
        description="Average the weights of two or more models fine-tuned from the same starting point on the "
                    "same split (a 'model soup'), then refit thresholds and re-measure the average as "
                    "`framing calibrate` does. The output is the last model's folder with the averaged weights.")
    parser.add_argument("models", type=Path, nargs="+", metavar="MODEL", help="trained model folders")
    parser.add_argument("-o", "--output", type=Path, required=True, help="write the averaged model here")
    add_recalibration_arguments(parser, quantization_default="that of the last model")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from framing.service.commands.train import print_model_summary
    from framing.training.average import average_weights
    from framing.training.data_sources import load_training_data
    from framing.training.packaging import recalibrate

    data = load_training_data(args.data)  # FramingErrors here and below reach the CLI's handler
    average_weights(args.models, args.output)
    metrics = recalibrate(args.output, data.documents, args.output, data.sources,
                          quantization=args.quantization,
                          note={"averaged": [str(model) for model in args.models]})
    print_model_summary(args.output, metrics)
    return 0
