"""SemEval-2023 task 3 files written beside the JSONL, consistent with it across interrupted runs."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from framing.model.files import TEMPORARY_SUFFIX, write_atomic
from framing.model.schema import Analysis
from framing.service.batch.output import write_all
from framing.training import semeval_writer


@dataclass
class SemevalPayload:
    article_id: str
    spans: str
    paragraphs: str
    frames: str


def semeval_payload(article_id: str, analysis: Analysis, text: str) -> SemevalPayload:
    return SemevalPayload(
        article_id=article_id,
        spans="".join(semeval_writer.span_lines(article_id, analysis)),
        paragraphs="".join(semeval_writer.paragraph_lines(article_id, analysis, text)),
        frames=semeval_writer.frames_line(article_id, analysis),
    )


class SemevalOutput:
    """The SemEval-2023 files beside the JSONL, kept consistent with it across interrupted runs.

    Per document the span file is replaced atomically, then its paragraph lines and its frames line
    are appended, and only then the JSONL line: the frames line marks a document complete here. On
    start, lines of documents not complete in both places are dropped, so none appears twice.
    """

    def __init__(self, folder: Path, done_article_ids: set[str]) -> None:
        self.folder = folder
        self.spans_folder = folder / semeval_writer.SPANS_FOLDER
        self.spans_folder.mkdir(parents=True, exist_ok=True)
        self.paragraphs_path = folder / semeval_writer.PARAGRAPHS_FILE
        self.frames_path = folder / semeval_writer.FRAMES_FILE
        self.complete = self._recover(done_article_ids)
        self._paragraphs = os.open(self.paragraphs_path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
        self._frames = os.open(self.frames_path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)

    @staticmethod
    def _complete_lines(path: Path) -> Iterator[bytes]:
        if not path.exists():
            return
        with open(path, "rb") as handle:
            for raw in handle:
                if raw.endswith(b"\n"):
                    yield raw

    def _recover(self, done: set[str]) -> set[str]:
        complete: set[str] = set()
        for raw in self._complete_lines(self.frames_path):
            article_id = raw.split(b"\t", 1)[0].decode("utf-8", "replace")
            if article_id in done:
                complete.add(article_id)

        def keep(path: Path, once: bool) -> Iterator[bytes]:
            written: set[str] = set()
            for raw in self._complete_lines(path):
                article_id = raw.split(b"\t", 1)[0].decode("utf-8", "replace")
                if article_id in complete and not (once and article_id in written):
                    written.add(article_id)
                    yield raw

        write_atomic(self.paragraphs_path, keep(self.paragraphs_path, once=False))
        write_atomic(self.frames_path, keep(self.frames_path, once=True))
        prefix, suffix = "article", "-labels-subtask-3.txt"
        for name in os.listdir(self.spans_folder):
            stale = name.endswith(TEMPORARY_SUFFIX) or (
                name.startswith(prefix) and name.endswith(suffix)
                and name[len(prefix): -len(suffix)] not in complete)
            if stale:
                (self.spans_folder / name).unlink(missing_ok=True)
        return complete

    def write(self, payload: SemevalPayload) -> None:
        write_atomic(self.spans_folder / semeval_writer.span_file_name(payload.article_id), payload.spans)
        write_all(self._paragraphs, payload.paragraphs.encode("utf-8"))
        write_all(self._frames, payload.frames.encode("utf-8"))
        self.complete.add(payload.article_id)

    def close(self) -> None:
        for fd in (self._paragraphs, self._frames):
            with contextlib.suppress(OSError):
                os.fsync(fd)
            os.close(fd)
