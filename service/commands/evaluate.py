"""`framing evaluate`: score a model (and its baseline) or a batch output against annotations."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from framing.model.errors import FramingError


def add_parser(subparsers) -> None:
    parser = subparsers.add_parser(
        "evaluate", help="measure a model against annotated articles",
        description="Paragraph micro/macro-F1, span P/R/F1 and frame micro/macro-F1, beside the TF-IDF "
                    "baseline stored with the model. Writes report.json and report.md.")
    parser.add_argument("--data", type=Path, required=True, action="append", metavar="PATH",
                        help="annotated articles in any format `framing train` reads; repeatable")
    source = parser.add_mutually_exclusive_group()
    source.add_argument("--model", type=Path, help="model folder or registry (default: the shipped model)")
    source.add_argument("--predictions", type=Path,
                        help="score a `framing batch` output instead: its JSONL, or a folder of "
                             "SemEval-2023 label files (`--format semeval`)")
    parser.add_argument("--ids-from", type=Path, metavar="MODEL",
                        help="evaluate only the articles this model held out in training (its data.json)")
    parser.add_argument("--thresholds-from", type=Path, metavar="MODEL",
                        help="decode the model's scores with this other model folder's thresholds (both "
                             "operating points; its baseline thresholds for the baseline): compares two "
                             "networks under the same decisions, e.g. a fold model with the served thresholds")
    parser.add_argument("-o", "--output", type=Path, default=Path("reports"), help="report folder")
    parser.add_argument("--no-baseline", action="store_true")
    parser.add_argument("--sensitivity", choices=("precise", "sensitive"), default="precise",
                        help="the model's operating point to measure (the baseline beside it keeps its own "
                             "F1-fitted thresholds); a model without sensitive thresholds refuses it (exit 2)")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from framing.model.analyzer import Analyzer
    from framing.model.folder import ModelFolder
    from framing.training.data_sources import load_training_data
    from framing.training.evaluate import markdown_report, score_analyses, write_report
    from framing.training.reports import Reports

    if args.predictions and args.thresholds_from:
        raise FramingError("--thresholds-from decodes a model's scores; a --predictions file was decoded already")
    if args.predictions and args.sensitivity != "precise":
        raise FramingError("--sensitivity chooses the model's thresholds; a --predictions file was decoded "
                           "already (each of its lines names its operating_point)")
    try:
        data = load_training_data(args.data)
        documents = data.documents
        if args.ids_from:
            from framing.model.layout import DATA_RECORD

            held = ModelFolder.resolve(args.ids_from, check=False).heldout_ids()
            if held is None:
                raise FramingError(f"{args.ids_from} has no {DATA_RECORD}: it does not record which articles "
                                   "it held out")
            documents = [d for d in documents if d.id in held]
        if not documents:
            raise FramingError("no annotated documents to evaluate")
        reports: Reports = {}
        if args.predictions:
            from framing.training.predictions import read_predictions_jsonl, read_semeval_predictions

            if args.predictions.is_dir():
                predicted = read_semeval_predictions(args.predictions, documents)
            else:
                predicted = read_predictions_jsonl(args.predictions)
            if any(d.id not in predicted for d in documents):
                # A batch run over a SemEval articles folder names documents `article<ID>`.
                predicted = {**read_predictions_jsonl(args.predictions, semeval_ids=True), **predicted}
            missing = [d.id for d in documents if d.id not in predicted]
            if missing:
                raise FramingError(f"{args.predictions} has no prediction for {len(missing)} documents, "
                                 f"e.g. {', '.join(missing[:5])}")
            reports["predictions"] = score_analyses(documents, [predicted[d.id] for d in documents])
        else:
            folder = ModelFolder.resolve(args.model)
            analyzer = Analyzer.load(folder)
            decisions = folder  # the folder whose thresholds decode: the model's own, or --thresholds-from
            if args.thresholds_from is not None:
                decisions = ModelFolder.resolve(args.thresholds_from, check=False)
                analyzer.thresholds, analyzer.points = decisions.thresholds(), decisions.operating_points()
            texts, ids = [d.text for d in documents], [d.id for d in documents]
            reports["model"] = score_analyses(documents, analyzer.analyze_many(texts, ids, args.sensitivity))
            baseline_thresholds = decisions.baseline_thresholds() if folder.has_tfidf() else None
            if not args.no_baseline and baseline_thresholds is not None:
                baseline = Analyzer(folder.tfidf(), baseline_thresholds, analyzer.info)
                reports["baseline"] = score_analyses(documents, baseline.analyze_many(texts, ids))
    except (ValueError, KeyError) as error:  # malformed files; the project's own errors reach the CLI's handler
        raise FramingError(str(error)) from error
    for problem in data.problems:
        print(f"skipped: {problem}", file=sys.stderr)
    json_path, markdown_path = write_report(reports, args.output)
    print(markdown_report(reports).split("\n## ")[0])
    print(f"report written to {json_path} and {markdown_path}")
    return 0
