"""Prints, as a Markdown table, what each annotation source yields after reading: documents, how
many carry spans, sentences (the project's own splitter), spans per technique and skipped records.

    python data/corpus_stats.py ../shared/data/semeval2023-task3-en ../shared/data/semeval2021-task6-en \\
        ../shared/data/babe-sg2

A source may be written FORMAT=PATH, as for `framing train --data`. Reads only; trains nothing.
"""

from __future__ import annotations

import sys
from collections import Counter

from framing.model.segmentation import split_sentences
from framing.model.taxonomy import TECHNIQUES
from framing.training.import_formats import read_annotations, split_format_prefix


def main(paths: list[str]) -> None:
    columns: list[tuple[str, dict[str, str]]] = []
    for raw in paths:
        fmt, path = split_format_prefix(raw)
        result = read_annotations(path, format=fmt)
        documents = result.documents
        spans = Counter(span.technique for document in documents for span in document.spans)
        column = {
            "format": result.format,
            "documents": f"{len(documents):,}",
            "with spans": f"{sum(bool(d.spans) for d in documents):,}",
            "with frames": f"{sum(d.frames is not None for d in documents):,}",
            "sentences": f"{sum(len(split_sentences(d.text)) for d in documents):,}",
            "spans": f"{sum(spans.values()):,}",
            "bad records reported": f"{len(result.problems):,}",
        }
        column.update({name: f"{spans[name]:,}" for name in TECHNIQUES})
        columns.append((path.name, column))
    print("| | " + " | ".join(name for name, _ in columns) + " |")
    print("| --- |" + " --- |" * len(columns))
    for row in columns[0][1]:
        print(f"| {row} | " + " | ".join(column[row] for _, column in columns) + " |")


if __name__ == "__main__":
    main(sys.argv[1:])
