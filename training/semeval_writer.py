"""Writes an `Analysis` in the SemEval-2023 task 3 file formats, so the task's own tools can score it.

Three kinds of line, the same as the task's gold files:

- span files, one per article, `article<ID>-labels-subtask-3.txt`: `id<TAB>technique<TAB>start<TAB>end`
  (subtask 3 spans; they may overlap);
- the paragraph labels file: `id<TAB>line<TAB>tech1,tech2` for every non-empty line of the article,
  1-based, with an empty third field when the line has no technique (subtask 3 paragraphs);
- the frames file: `id<TAB>frame1,frame2` (subtask 2).

The functions here are pure: they turn an `Analysis` and its text into lines. `write_semeval_folder`
is a convenience for writing a whole collection at once; `framing batch --format semeval` streams
the same lines itself.

Ids: the task names article files `article<ID>.txt` and uses the bare `<ID>` inside its label files.
A batch over a folder of such files gives documents the id `article<ID>` (the file name), so
`semeval_article_id` drops a leading `article` to get back the task's own ids.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from framing.model.schema import Analysis
from framing.model.taxonomy import TECHNIQUE_INDEX
from framing.training.metrics import paragraph_techniques

# Named like the task's `train-`/`dev-` files, so `training.readers.read_semeval_folder` reads a
# predictions folder too once the article texts sit beside it (`predicted-articles-subtask-3/`).
SPANS_FOLDER = "predicted-labels-subtask-3-spans"
PARAGRAPHS_FILE = "predicted-labels-subtask-3.txt"
FRAMES_FILE = "predicted-labels-subtask-2.txt"
_PREFIX = "article"
_UNSAFE = ("/", "\\", "\t", "\n", "\r", "\0")


def semeval_article_id(document_id: str) -> str:
    """The id as the task writes it inside label files: `article123` becomes `123`."""
    if document_id.startswith(_PREFIX) and len(document_id) > len(_PREFIX):
        return document_id[len(_PREFIX):]
    return document_id


def check_article_id(article_id: str) -> None:
    """Raise ValueError for an id that cannot go into a TSV field and a file name."""
    if not article_id or article_id in (".", "..") or any(c in article_id for c in _UNSAFE):
        raise ValueError(f"id {article_id!r} cannot be used in SemEval file names and tab-separated files")


def span_file_name(article_id: str) -> str:
    return f"{_PREFIX}{article_id}-labels-subtask-3.txt"


def span_lines(article_id: str, analysis: Analysis) -> list[str]:
    """One line per placed span, in text order; overlapping spans are all kept (whole sentences marked
    because no span was placed, unit "sentence", are not span predictions)."""
    placed = [span for span in analysis.spans if span.unit == "words"]
    spans = sorted(placed, key=lambda s: (s.start, s.end, TECHNIQUE_INDEX.get(s.label, 99)))
    return [f"{article_id}\t{span.label}\t{span.start}\t{span.end}\n" for span in spans]


def _ordered(best: dict[str, float]) -> list[str]:
    return sorted(best, key=lambda label: (-best[label], TECHNIQUE_INDEX.get(label, 99), label))


def paragraph_lines(article_id: str, analysis: Analysis, text: str) -> list[str]:
    """Every non-empty line of `text` with the techniques used in it, highest score first.

    A line uses a technique when one of its sentences does (`sentences[*].techniques`) or a span of
    that technique overlaps it, the same rule the paragraph metric applies to gold spans.
    """
    return [f"{article_id}\t{paragraph.index + 1}\t{','.join(_ordered(best))}\n"
            for paragraph, best in paragraph_techniques(text, analysis)]


def frames_line(article_id: str, analysis: Analysis) -> str:
    """The article's frames, highest score first (the order the Analysis already holds)."""
    return f"{article_id}\t{','.join(item.label for item in analysis.frames)}\n"


def write_semeval_folder(folder: str | Path, items: Iterable[tuple[Analysis, str]]) -> Path:
    """Write span files, the paragraph labels file and the frames file for (analysis, text) pairs.

    Ids come from `analysis.id` through `semeval_article_id`; a missing, unsafe or repeated id is
    a ValueError. Returns the folder.
    """
    folder = Path(folder)
    spans_folder = folder / SPANS_FOLDER
    spans_folder.mkdir(parents=True, exist_ok=True)
    seen: set[str] = set()
    with (folder / PARAGRAPHS_FILE).open("w", encoding="utf-8", newline="") as paragraphs, \
            (folder / FRAMES_FILE).open("w", encoding="utf-8", newline="") as frames:
        for analysis, text in items:
            if analysis.id is None:
                raise ValueError("an Analysis without an id cannot be written in SemEval format")
            article_id = semeval_article_id(analysis.id)
            check_article_id(article_id)
            if article_id in seen:
                raise ValueError(f"article id {article_id!r} appears twice")
            seen.add(article_id)
            (spans_folder / span_file_name(article_id)).write_text(
                "".join(span_lines(article_id, analysis)), encoding="utf-8", newline="")
            paragraphs.writelines(paragraph_lines(article_id, analysis, text))
            frames.write(frames_line(article_id, analysis))
    return folder
