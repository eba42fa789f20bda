"""Gathers training documents from several sources (`--data A --data B`), with hashes, licences and problems.

A source is a path, or `FORMAT=PATH` to name its format where detection would guess wrong or finds
several corpora in one folder (`--data babe=corpora/babe-sg2`)."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from framing.training.documents import AnnotationError, Document
from framing.training.import_formats import read_annotations
from framing.training.import_formats.detection import split_format_prefix

# The terms each public corpus is distributed under, as its README states; a model trained on it
# lists them in its data record and model card. Other formats hold the user's own annotations.
LICENCES = {
    "semeval": "research use (SemEval-2023 task 3 data, per its README); a folder of your own in this "
               "layout is under your terms",
    "semeval2021": "free for general research use (SemEval-2021 task 6 corpus, per its README)",
    "babe": "AGPL-3.0 (BABE, Spinde et al. 2021; the corpus repository's LICENSE)",
}
OWN_ANNOTATIONS = "not recorded: the annotators' own terms apply"


@dataclass
class TrainingData:
    documents: list[Document] = field(default_factory=list)
    sources: list[dict] = field(default_factory=list)
    problems: list[AnnotationError] = field(default_factory=list)


def content_hash(path: Path) -> str:
    """sha256 of a file, or of a folder's files (names and bytes, in sorted order)."""
    digest = hashlib.sha256()
    files = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
    for file in files:
        digest.update(str(file.relative_to(path) if path.is_dir() else file.name).encode("utf-8"))
        digest.update(file.read_bytes())
    return digest.hexdigest()


def load_training_data(paths: Sequence[str | Path], strict: bool = False) -> TrainingData:
    """Reads every source; a document id seen in an earlier source is a problem, not an overwrite."""
    data = TrainingData()
    seen: dict[str, str] = {}
    for raw in paths:
        fmt, path = split_format_prefix(raw)
        result = read_annotations(path, strict=strict, format=fmt)
        data.problems.extend(result.problems)
        kept = 0
        for document in result.documents:
            if document.id in seen:
                reason = f"document id {document.id!r} already read from {seen[document.id]}"
                problem = AnnotationError(str(path), None, reason)
                if strict:
                    raise problem
                data.problems.append(problem)
                continue
            seen[document.id] = str(path)
            document.kind = result.format
            data.documents.append(document)
            kept += 1
        data.sources.append({"path": str(path), "format": result.format, "documents": kept,
                             "licence": LICENCES.get(result.format, OWN_ANNOTATIONS), "sha256": content_hash(path)})
    return data
