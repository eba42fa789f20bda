"""The in-memory form of an annotated article, whatever format it was read from."""

from __future__ import annotations

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
