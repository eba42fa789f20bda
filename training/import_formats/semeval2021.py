"""SemEval-2021 task 6 (subtask 2): persuasion-technique spans in meme texts.

The corpus is three JSON files, `training_set_task2`, `dev_set_task2` and `test_set_task2` (`.json`
in ../shared/data, `.txt` as the task's repository names them), each a list of
`{"id", "text", "labels": [{"start", "end", "technique", "text_fragment"}]}`. All three carry gold
labels and are read. Its quirks, and what the reader does with each:

- Technique names are the task's 20 (`Smears`, `Glittering generalities (Virtue)`, ...): mapped to
  our 23 names by `TECHNIQUES_2021`, the table of the corpus README. A name not in the table is
  passed on unchanged, so the validator reports it as an unknown technique.
- Five spans of the test file (memes 720_batch_2, 790_batch_2, 500_batch_2, as released) have
  offsets that do not match their `text_fragment`: the validator compares the two, reports each
  span with the file and the line where its meme starts, and the meme is skipped, as every format
  skips a record with a bad span. The offsets are never shifted to fit: a meme kept with one span
  missing would teach "no technique" where the annotators saw one.
- Meme 474_batch_2 is in both the training file (no spans) and the test file (one Slogans span).
  An id seen in more than one place is reported at each place; if the copies disagree (text or
  spans) every copy is skipped, since neither can be trusted, else the first is kept.
- Memes have no frame annotation: frames are None ("not annotated", so they never teach "no
  frame"). A meme with an empty label list is a negative for every technique, as annotated.
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path
from typing import Any

from framing.training.documents import AnnotationError
from framing.training.import_formats.collect import Collector, ReadResult, json_array_items, record_label
from framing.training.import_formats.validation import RawSpan

TECHNIQUES_2021 = {
    "Loaded Language": "Loaded_Language",
    "Name calling/Labeling": "Name_Calling-Labeling",
    "Smears": "Questioning_the_Reputation",
    "Exaggeration/Minimisation": "Exaggeration-Minimisation",
    "Slogans": "Slogans",
    "Doubt": "Doubt",
    "Appeal to fear/prejudice": "Appeal_to_Fear-Prejudice",
    "Whataboutism": "Whataboutism",
    "Glittering generalities (Virtue)": "Appeal_to_Values",
    "Flag-waving": "Flag_Waving",
    "Causal Oversimplification": "Causal_Oversimplification",
    "Repetition": "Repetition",
    "Thought-terminating cliché": "Conversation_Killer",
    "Misrepresentation of Someone's Position (Straw Man)": "Straw_Man",
    "Black-and-white Fallacy/Dictatorship": "False_Dilemma-No_Choice",
    "Appeal to authority": "Appeal_to_Authority",
    "Reductio ad hitlerum": "Guilt_by_Association",
    "Obfuscation, Intentional vagueness, Confusion": "Obfuscation-Vagueness-Confusion",
    "Bandwagon": "Appeal_to_Popularity",
    "Presenting Irrelevant Data (Red Herring)": "Red_Herring",
}

# The task's own file names, in the order read (training first: the first copy of an id wins).
SPLITS = ("training", "dev", "test")
FILE_SUFFIXES = (".json", ".txt")


def semeval2021_files(folder: Path) -> list[Path]:
    """The corpus files present in `folder`, training, dev, test order."""
    return [folder / f"{split}_set_task2{suffix}" for split in SPLITS for suffix in FILE_SUFFIXES
            if (folder / f"{split}_set_task2{suffix}").is_file()]


def _spans(labels: Any) -> tuple[list[RawSpan], list[str]]:
    if not isinstance(labels, list):
        return [], [f"labels must be a list, got {type(labels).__name__}"]
    spans: list[RawSpan] = []
    errors: list[str] = []
    for number, item in enumerate(labels, start=1):
        if not isinstance(item, dict) or not {"start", "end", "technique"} <= set(item):
            errors.append(f"span {number}: expected an object with start, end and technique, got {item!r}")
            continue
        technique = item["technique"]
        label = TECHNIQUES_2021.get(technique, technique) if isinstance(technique, str) else technique
        spans.append(RawSpan(item["start"], item["end"], label, item.get("text_fragment")))
    return spans, errors


def _read_items(path: Path) -> list[tuple[int, Any]]:
    try:
        content = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as error:
        raise AnnotationError(str(path), None, f"not valid UTF-8 ({error.reason})") from error
    return list(json_array_items(content, str(path), "memes ({id, text, labels})"))


def _fingerprint(record: Any) -> str:
    if not isinstance(record, dict):
        return repr(record)
    labels = record.get("labels")
    key = sorted(map(repr, labels)) if isinstance(labels, list) else repr(labels)
    return repr((record.get("text"), key))


def read_semeval2021(path: str | Path, strict: bool = False) -> ReadResult:
    """The memes of a SemEval-2021 task 6 folder (all three files) or of one of its files."""
    path = Path(path)
    files = semeval2021_files(path) if path.is_dir() else [path]
    if not files:
        raise AnnotationError(str(path), None, "no training/dev/test_set_task2.json files")
    collector = Collector(str(path), strict)  # its source is set to each file in turn, for the locations
    items = [(file, line, item) for file in files for line, item in _read_items(file)]

    places: dict[str, list[tuple[Path, int, str]]] = defaultdict(list)
    for file, line, item in items:
        if isinstance(item, dict) and isinstance(item.get("id"), str):
            places[item["id"]].append((file, line, _fingerprint(item)))
    skip: set[tuple[Path, int]] = set()
    for doc_id, where in places.items():
        if len(where) < 2:
            continue
        conflict = len({fingerprint for _, _, fingerprint in where}) > 1
        listed = ", ".join(f"{file.name}:{line}" for file, line, _ in where)
        for index, (file, line, _) in enumerate(where):
            if conflict or index > 0:
                collector.source = str(file)
                outcome = "with different text or spans: every copy skipped" if conflict else "skipped"
                collector.problem(line, f"record {doc_id!r}: id appears {len(where)} times ({listed}) {outcome}")
                skip.add((file, line))

    for file, line, item in items:
        collector.source = str(file)
        if (file, line) in skip:
            continue
        if not isinstance(item, dict):
            collector.problem(line, f"expected an object, got {type(item).__name__}")
            continue
        label = record_label(item)
        missing = [key for key in ("id", "text", "labels") if key not in item]
        spans, errors = _spans(item.get("labels", []))
        if missing:
            errors.insert(0, f"missing {' and '.join(repr(key) for key in missing)}")
        if errors:
            for reason in errors:
                collector.problem(line, f"{label}: {reason}" if label else reason)
            continue
        collector.record(line, label, item["id"], item["text"], spans, None)
    collector.source = str(path)
    return collector.result("semeval2021")
