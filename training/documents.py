"""The in-memory form of an annotated article, whatever format it was read from."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

from framing.model.errors import FramingError


class AnnotationError(FramingError, ValueError):
    """A record that cannot be trusted; the message names the file and line."""

    def __init__(self, source: str, line: int | None, reason: str) -> None:
        where = f"{source}:{line}" if line is not None else source
        super().__init__(f"{where}: {reason}")
        self.source = source
        self.line = line
        self.reason = reason


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an annotated document, tied to the field it concerns.

    `field` is a dotted path into the document as the API receives it (`id`, `text`, `spans.0`,
    `frames`, `model_version`): the API reports it as it is, so rewording `message` never moves an
    error to another field. `str()` gives the sentence annotation-file readers print.
    """

    field: str
    message: str

    @classmethod
    def span(cls, index: int, message: str) -> Problem:
        """A problem with the span at `index` (counted from 0, as in `spans.0`)."""
        return cls(f"spans.{index}", message)

    def __str__(self) -> str:
        kind, _, index = self.field.partition(".")
        if kind == "spans" and index.isdigit():
            return f"span {int(index) + 1}: {self.message}"  # people count spans from 1
        return self.message


@dataclass(frozen=True)
class GoldSpan:
    technique: str
    start: int
    end: int


@dataclass
class Document:
    id: str
    text: str
    spans: list[GoldSpan] = field(default_factory=list)
    # None means "not annotated" (the frame file omits some articles), not "no frames".
    frames: list[str] | None = None
    source: str = ""
    kind: str = ""  # the format it was read as (`semeval`, `babe`, ...): decides whether it may be held out

    @property
    def sha256(self) -> str:
        """Of the text: how data records, fold plans and the promote gate tell the same article apart."""
        return hashlib.sha256(self.text.encode("utf-8")).hexdigest()
