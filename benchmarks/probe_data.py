"""Reads and checks the team-written probes in data/probes/ (written by the make_*.py scripts there).

The frame probes are read here; the loaded-language pairs by `framing.training.loaded_probe` (the
promote gate reads them too), re-exported for the benchmarks.

The benchmarks refuse a probe file that is malformed (offsets that miss their words, pairs that
differ beyond the marked words, unknown frames, duplicates), so a hand edit cannot silently skew a
figure; the tests run the same checks on the shipped files.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from framing.model.taxonomy import FRAMES
from framing.training.loaded_probe import (  # the loaded-language probe lives in the package: the gate reads it
    LOADED_PAIRS,
    LOADED_PAIRS_HELDOUT,
    PROBES,
    LoadedPair,
    Marked,
    ProbeDataError,
    field_of,
    load_pairs,
    read_jsonl,
)

__all__ = ["FRAME_ARTICLES", "FRAME_SENTENCES", "LOADED_PAIRS", "LOADED_PAIRS_HELDOUT", "FrameArticle", "LoadedPair",
           "Marked", "ProbeDataError", "ProbeSentence", "load_frame_articles", "load_frame_sentences", "load_pairs"]

FRAME_SENTENCES = PROBES / "frame_sentences.jsonl"
FRAME_ARTICLES = PROBES / "frame_articles.jsonl"


@dataclass(frozen=True)
class ProbeSentence:
    """One sentence of a mixed article, with the frame it was written to carry."""

    id: str
    frame: str
    start: int
    end: int


@dataclass(frozen=True)
class FrameArticle:
    id: str
    text: str
    sentences: tuple[ProbeSentence, ...]


def load_frame_sentences(path: Path = FRAME_SENTENCES) -> dict[str, tuple[str, str]]:
    """Sentence id -> (frame, text)."""
    sentences: dict[str, tuple[str, str]] = {}
    texts: set[str] = set()
    for number, record in read_jsonl(path):
        where = f"{path}:{number}"
        sentence_id = field_of(where, record, "id", str)
        frame, text = field_of(where, record, "frame", str), field_of(where, record, "text", str)
        if frame not in FRAMES:
            raise ProbeDataError(f"{where}: unknown frame {frame!r}")
        if sentence_id in sentences or text in texts:
            raise ProbeDataError(f"{where}: duplicate sentence {sentence_id!r}")
        sentences[sentence_id] = (frame, text)
        texts.add(text)
    return sentences


def load_frame_articles(path: Path = FRAME_ARTICLES, sentences_path: Path = FRAME_SENTENCES) -> list[FrameArticle]:
    """The mixed articles, each sentence checked against the sentence file."""
    known = load_frame_sentences(sentences_path)
    articles: list[FrameArticle] = []
    used: set[str] = set()
    for number, record in read_jsonl(path):
        where = f"{path}:{number}"
        text = field_of(where, record, "text", str)
        raw = field_of(where, record, "sentences", list)
        placed = []
        for item in raw:
            if not isinstance(item, dict):
                raise ProbeDataError(f"{where}: each sentence must be an object")
            sentence = ProbeSentence(field_of(where, item, "id", str), field_of(where, item, "frame", str),
                                     field_of(where, item, "start", int), field_of(where, item, "end", int))
            if sentence.id not in known:
                raise ProbeDataError(f"{where}: sentence {sentence.id!r} is not in {sentences_path}")
            if sentence.id in used:
                raise ProbeDataError(f"{where}: sentence {sentence.id!r} is used twice")
            frame, sentence_text = known[sentence.id]
            if sentence.frame != frame or text[sentence.start : sentence.end] != sentence_text:
                raise ProbeDataError(f"{where}: sentence {sentence.id!r} does not match {sentences_path}")
            used.add(sentence.id)
            placed.append(sentence)
        articles.append(FrameArticle(field_of(where, record, "id", str), text, tuple(placed)))
    return articles
