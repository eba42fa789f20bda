"""`framing batch --format labelstudio`: the scored documents as Label Studio tasks.

Each task holds the text and the model's placed spans and frames as a prediction (pre-annotation,
with the model version and scores), for `framing labelstudio config`'s labeling interface. A team
corrects them in Label Studio, exports JSON, and trains on the export (`framing train --data`).

The tasks file is written whole after the job, from the results file (the record of what is
complete, so a resumed job writes every document once) and the input read again for the texts
(an Analysis does not carry its text): the input must be a file or a folder, not stdin.
"""

from __future__ import annotations

import json
from pathlib import Path

from framing.model.files import write_atomic
from framing.model.schema import Analysis
from framing.service.batch.inputs import open_records
from framing.service.batch.options import STDIN, BatchError
from framing.training.import_formats.labelstudio import labelstudio_task


def default_tasks_path(output: Path) -> Path:
    return output.with_name((output.stem if output.suffix else output.name) + ".labelstudio.json")


def check_input(input_path: str) -> None:
    if input_path == STDIN:
        raise BatchError("--format labelstudio needs a file or folder INPUT, not stdin: the texts are read "
                         "again to write the tasks")


def write_labelstudio_tasks(input_path: str, input_kind: str, max_chars: int, results: Path,
                            tasks_path: Path) -> int:
    """Write the tasks file (a JSON array, in input order) for every document in `results`; returns
    how many tasks it holds."""
    analyses: dict[str, str] = {}
    with results.open(encoding="utf-8") as lines:
        for line in lines:
            if line.strip():
                document_id = json.loads(line).get("id")
                if document_id is not None:
                    analyses[str(document_id)] = line
    tasks = []
    with open_records(input_path, input_kind, max_chars) as records:
        for record in records:
            if record.id is None or record.text is None or record.id not in analyses:
                continue
            analysis = Analysis.model_validate_json(analyses.pop(record.id))
            tasks.append(labelstudio_task(analysis, record.text))
    write_atomic(tasks_path, json.dumps(tasks, ensure_ascii=False, indent=1) + "\n")
    return len(tasks)
