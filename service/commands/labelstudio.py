"""`framing labelstudio config`: the Label Studio labeling interface for this model's labels.

It matches the tasks `framing batch --format labelstudio` writes (the 23 techniques as span labels,
the 14 frames as choices) and the Label Studio reader `framing train --data` uses.
"""

from __future__ import annotations

import argparse


def add_parser(subparsers) -> None:
    parser = subparsers.add_parser(
        "labelstudio", help="print the Label Studio labeling configuration",
        description="Label Studio: print the labeling configuration (XML) to paste into a project's "
                    "Settings > Labeling Interface > Code. Import the tasks `framing batch --format "
                    "labelstudio` writes; export the corrected project as JSON and train on it with "
                    "`framing train --data EXPORT.json`.")
    actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
    actions.add_parser("config", help="print the labeling configuration (23 techniques, 14 frames)")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from framing.training.import_formats.labelstudio import labelstudio_config

    print(labelstudio_config(), end="")
    return 0
