"""BABE (Bias Annotations By Experts, Spinde et al. 2021): news sentences with words marked biased.

The corpus is one `;`-separated CSV (`final_labels_SG2.csv`; a folder holding one such CSV is read
too) with the header `text;news_link;outlet;topic;type;label_bias;label_opinion;biased_words`, the
first cell carrying a UTF-8 byte-order mark. Each row is one sentence; the document id is
`<file stem>-<line where the row starts>`. Its quirks, and what the reader does with each:

- Biased words are a Python-style list of words (`['bizarre', 'characteristically']`), not
  offsets. They become spans of ONE technique, Loaded_Language: BABE's words are "words with strong
  emotional implications" in SemEval's sense (loaded adjectives, epistemological verbs such as
  "slammed"); its loaded labels ("mob", "leftists") would be Name_Calling-Labeling in SemEval, but
  nothing in the data tells them apart, and Loaded_Language is the nearer for most words.
- Finding a word (`find_word_spans`): surrounding quotes and punctuation of the listed word are
  dropped (annotators' straight quotes around words the text quotes with curly ones), then the
  word is matched as a whole word (no letter or digit either side), ignoring case, with `'` and `’`
  taken as the same apostrophe. Multi-word phrases come as separate words ("the", "mob"), so:
  a word found more than once is marked where it touches another listed word, and at every
  occurrence if it touches none (a repeated loaded word is loaded each time; a repeated "the" only
  beside "mob"). Marked words separated only by spaces or hyphens merge into one span ("the mob").
- A listed word that cannot be found (typos such as 'demoize', another inflection such as
  'dictator' for "dictators") is reported with its line, and the sentence is skipped: keeping it
  without that word would teach "not loaded" exactly where annotators saw bias.
- `label_bias`: `Biased` with words gives spans; `Non-biased` with no words is a negative for every
  technique (no spans). `Biased` with no words (nothing to locate), `Non-biased` with words (the
  majority saw no bias, yet words were marked) and `No agreement` are reported and skipped: none
  is a clean positive or negative.
- Frames are None (not annotated). The outlet, topic, leaning, link and opinion label are not
  read into documents: nothing in training uses them.
"""

from __future__ import annotations

import ast
import csv
import io
import re
from pathlib import Path

from framing.model.inputs import line_document_id
from framing.training.documents import AnnotationError
from framing.training.import_formats.collect import Collector, ReadResult
from framing.training.import_formats.validation import RawSpan

BABE_COLUMNS = ("text", "news_link", "outlet", "topic", "type", "label_bias", "label_opinion", "biased_words")
REQUIRED_COLUMNS = ("text", "label_bias", "biased_words")
BABE_TECHNIQUE = "Loaded_Language"
_EDGE_PUNCTUATION = "\"'“”‘’«».,;:!?()[]{}"
_APOSTROPHES = "'’"
_JOINERS = re.compile(r"[\s\-]*")


def is_babe_header(line: str) -> bool:
    """True for a `;`-separated header naming BABE's required columns (BOM allowed)."""
    cells = [cell.strip().strip('"') for cell in line.removeprefix("\ufeff").strip().split(";")]
    return all(column in cells for column in REQUIRED_COLUMNS)


def babe_files(folder: Path) -> list[Path]:
    """CSV files in `folder` whose header is BABE's."""
    found = []
    for path in sorted(folder.glob("*.csv")):
        with path.open(encoding="utf-8-sig", errors="replace") as handle:
            if is_babe_header(handle.readline()):
                found.append(path)
    return found


def _word_pattern(word: str) -> re.Pattern[str]:
    parts = (f"[{_APOSTROPHES}]" if char in _APOSTROPHES else re.escape(char) for char in word)
    return re.compile(r"(?<!\w)" + "".join(parts) + r"(?!\w)", re.IGNORECASE)


def find_word_spans(text: str, words: list[str]) -> tuple[list[tuple[int, int]], list[str]]:
    """(start, end) of the marked words in `text`, merged into phrases, and the words not found."""
    occurrences: dict[str, list[tuple[int, int]]] = {}
    missing: list[str] = []
    for raw in words:
        word = raw.strip().strip(_EDGE_PUNCTUATION).strip()
        key = word.casefold()
        if key in occurrences:
            continue
        found = [m.span() for m in _word_pattern(word).finditer(text)] if word else []
        if not found:
            missing.append(raw)
            continue
        occurrences[key] = found

    def touches(span: tuple[int, int], other: tuple[int, int]) -> bool:
        left, right = sorted((span, other))
        return left[1] <= right[0] and _JOINERS.fullmatch(text, left[1], right[0]) is not None

    marked: set[tuple[int, int]] = set()
    for key, spans in occurrences.items():
        others = [span for other, found in occurrences.items() if other != key for span in found]
        beside = [span for span in spans if any(touches(span, other) for other in others)]
        marked.update(beside if len(spans) > 1 and beside else spans)

    merged: list[tuple[int, int]] = []
    for start, end in sorted(marked):
        if merged and (start < merged[-1][1] or touches(merged[-1], (start, end))):
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged, missing


def _parse_words(cell: str) -> list[str] | None:
    try:
        value = ast.literal_eval(cell.strip() or "[]")
    except (ValueError, SyntaxError, MemoryError, RecursionError):
        return None
    return value if isinstance(value, list) and all(isinstance(word, str) for word in value) else None


def _csv_path(path: Path) -> Path:
    if not path.is_dir():
        return path
    found = babe_files(path)
    if len(found) != 1:
        what = "no" if not found else f"{len(found)}"
        raise AnnotationError(str(path), None, f"{what} BABE CSV files (header with text;...;label_bias;"
                                               "...;biased_words); name the file")
    return found[0]


def read_babe_csv(path: str | Path, strict: bool = False) -> ReadResult:
    """The sentences of a BABE CSV (or of the folder holding one), biased words as Loaded_Language spans."""
    csv_path = _csv_path(Path(path))
    collector = Collector(str(csv_path), strict)
    try:
        content = csv_path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as error:
        raise AnnotationError(str(csv_path), None, f"not valid UTF-8 ({error.reason})") from error
    reader = csv.reader(io.StringIO(content, newline=""), delimiter=";")  # line_num counts lines
    header = next(reader, None)
    if header is None or not is_babe_header(";".join(header)):
        raise AnnotationError(str(csv_path), 1, f"not a BABE CSV: the header must name {', '.join(REQUIRED_COLUMNS)}"
                                                " (';'-separated)")
    column = {name: index for index, name in enumerate(cell.strip() for cell in header)}
    line = reader.line_num + 1
    for row in reader:
        start_line, line = line, reader.line_num + 1
        if not any(cell.strip() for cell in row):
            continue
        doc_id = line_document_id(csv_path.stem, start_line)
        label = f"sentence {doc_id!r}"
        if len(row) != len(header):
            collector.problem(start_line, f"{label}: expected {len(header)} ';'-separated fields, got {len(row)}")
            continue
        text, bias = row[column["text"]], row[column["label_bias"]].strip()
        words = _parse_words(row[column["biased_words"]])
        if words is None:
            collector.problem(start_line, f"{label}: biased_words must be a list of words like ['a', 'b'],"
                                          f" got {row[column['biased_words']]!r}")
            continue
        if bias not in ("Biased", "Non-biased"):
            collector.problem(start_line, f"{label}: label_bias {bias!r} is neither 'Biased' nor 'Non-biased';"
                                          " skipped")
            continue
        if bias == "Biased" and not words:
            collector.problem(start_line, f"{label}: labelled Biased but no biased words: nothing to locate;"
                                          " skipped")
            continue
        if bias == "Non-biased" and words:
            collector.problem(start_line, f"{label}: labelled Non-biased but words marked {words}: neither a"
                                          " positive nor a negative; skipped")
            continue
        spans, missing = find_word_spans(text, words)
        if missing:
            for word in missing:
                collector.problem(start_line, f"{label}: biased word {word!r} not found as a whole word in the"
                                              " sentence; skipped")
            continue
        raw = [RawSpan(start, end, BABE_TECHNIQUE, text[start:end]) for start, end in spans]
        collector.record(start_line, label, doc_id, text, raw, None)
    return collector.result("babe")
