"""Label Studio both ways: the labeling configuration, tasks with the model's predictions, and the
round trip batch -> tasks -> (edited) export -> `framing train`."""

from __future__ import annotations

import json
import shutil
import xml.etree.ElementTree as ElementTree
from pathlib import Path

import pytest

from framing.model.schema import Analysis, LabelScore, ModelInfo, Span
from framing.model.taxonomy import FRAMES, TECHNIQUES
from framing.service.cli import main
from framing.training.import_formats.labelstudio import (
    labelstudio_config,
    labelstudio_task,
    read_labelstudio_json,
)


def test_the_labeling_configuration_has_every_technique_and_frame(capsys) -> None:
    root = ElementTree.fromstring(labelstudio_config())
    labels = root.find("Labels")
    choices = root.find("Choices")
    assert labels is not None and choices is not None
    assert [label.get("value") for label in labels.iter("Label")] == list(TECHNIQUES)
    assert [choice.get("value") for choice in choices.iter("Choice")] == list(FRAMES)
    assert choices.get("choice") == "multiple" and "frame" in (choices.get("name") or "")
    assert main(["labelstudio", "config"]) == 0
    assert capsys.readouterr().out == labelstudio_config()


def test_a_task_carries_the_predictions_and_reads_back_as_the_same_spans(tmp_path: Path) -> None:
    text = "Fans 🙂 cheered the shameful, reckless plan. It was all fine."
    start = text.index("shameful")
    analysis = Analysis(
        id="t1", model=ModelInfo(name="framing-minilm", version="9.9"),
        frames=[LabelScore(label="Political", score=0.8)],
        techniques=[LabelScore(label="Loaded_Language", score=0.9)],
        spans=[Span(start=start, end=start + 8, text="shameful", label="Loaded_Language", score=0.9, sentence=0),
               Span(start=45, end=len(text) - 1, text=text[45:-1], label="Doubt", score=0.6, sentence=1,
                    unit="sentence")])
    task = labelstudio_task(analysis, text)
    prediction = task["predictions"][0]
    assert prediction["model_version"] == "framing-minilm 9.9"
    spans = [r for r in prediction["result"] if r["type"] == "labels"]
    assert [(r["value"]["labels"], r["score"]) for r in spans] == [(["Loaded_Language"], 0.9)]  # placed words only
    # Label Studio counts UTF-16 units: the emoji before the span counts two.
    assert spans[0]["value"]["start"] == start + 1
    assert [r["value"]["choices"] for r in prediction["result"] if r["type"] == "choices"] == [["Political"]]

    # An annotator accepts the prediction as it is: the export reads back with Python offsets.
    task["annotations"] = [{"result": prediction["result"]}]
    export = tmp_path / "export.json"
    export.write_text(json.dumps([{**task, "id": 1}]), encoding="utf-8")
    result = read_labelstudio_json(export)
    assert result.problems == []
    document = result.documents[0]
    assert [(s.technique, text[s.start:s.end]) for s in document.spans] == [("Loaded_Language", "shameful")]
    assert document.frames == ["Political"]


@pytest.mark.slow
def test_round_trip_batch_tasks_edited_export_train(sample_corpus: Path, tmp_path: Path, capsys) -> None:
    folder = tmp_path / "articles"
    shutil.copytree(sample_corpus / "train-articles-subtask-3", folder)
    out = tmp_path / "scored.jsonl"
    assert main(["batch", str(folder), "-o", str(out), "--format", "labelstudio", "--workers", "1"]) == 0
    tasks_path = tmp_path / "scored.labelstudio.json"
    assert f"Label Studio task(s) to {tasks_path}" in capsys.readouterr().err
    tasks = json.loads(tasks_path.read_text(encoding="utf-8"))
    assert len(tasks) == len(list(folder.iterdir()))
    version = json.loads(out.read_text().splitlines()[0])["model"]["version"]
    assert all(version in task["predictions"][0]["model_version"] for task in tasks)

    # The team's corrections in Label Studio: a span added to each task, the model's first removed.
    for number, task in enumerate(tasks, start=1):
        text = task["data"]["text"]
        result = [r for r in task["predictions"][0]["result"] if r["type"] == "labels"][1:]
        result += [r for r in task["predictions"][0]["result"] if r["type"] == "choices"]
        word = text.split()[0]
        result.append({"id": "added", "from_name": "technique", "to_name": "text", "type": "labels",
                       "value": {"start": 0, "end": len(word), "text": word, "labels": ["Doubt"]}})
        task.update(id=number, annotations=[{"id": number, "result": result}])
    export = tmp_path / "export.json"
    export.write_text(json.dumps(tasks), encoding="utf-8")
    assert main(["annotations", "check", str(export)]) == 0
    documents = read_labelstudio_json(export).documents
    assert all(any(s.technique == "Doubt" and s.start == 0 for s in d.spans) for d in documents)

    config = tmp_path / "tiny.json"
    config.write_text(json.dumps({"checkpoint_every": 2, "heldout_fraction": 0.34, "threads": 1,
                                  "fold_assignments": 2}))
    model = tmp_path / "model"
    assert main(["train", "--data", str(export), "-o", str(model), "--config", str(config), "--max-steps", "2",
                 "--no-baseline"]) == 0
    assert (model / "weights.safetensors").is_file()
    assert main(["analyze", "--model", str(model), "A shameful plan."]) == 0
