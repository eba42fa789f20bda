"""Reads and checks the team-written probes in data/probes/ (written by the make_*.py scripts there).

The benchmarks refuse a probe file that is malformed (offsets that miss their words, pairs that
differ beyond the marked words, unknown frames, duplicates), so a hand edit cannot silently skew a
figure; the tests run the same checks on the shipped files.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from framing.model.taxonomy import FRAMES

PROBES = Path(__file__).resolve().parent.parent / "data" / "probes"
LOADED_PAIRS = PROBES / "loaded_pairs.jsonl"
# Never tuned on (data/probes/make_loaded_pairs.py says why): `bench_probe.py --pairs` reads it.
LOADED_PAIRS_HELDOUT = PROBES / "loaded_pairs_heldout.jsonl"
FRAME_SENTENCES = PROBES / "frame_sentences.jsonl"
FRAME_ARTICLES = PROBES / "frame_articles.jsonl"


class ProbeDataError(ValueError):
    """A probe file that does not follow its format; the message names the file and line."""


@dataclass(frozen=True)
class Marked:
    """A sentence and the word or phrase under test in it (`text[start:end] == word`)."""

    text: str
    start: int
    end: int
    word: str


@dataclass(frozen=True)
class LoadedPair:
    id: str
    topic: str
    loaded: Marked
    neutral: Marked


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


def read_jsonl(path: Path) -> list[tuple[int, dict]]:
    """(line number, object) for every non-blank line."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as error:
        raise ProbeDataError(f"{path}: cannot read: {error}") from error
    records = []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as error:
            raise ProbeDataError(f"{path}:{number}: not JSON: {error}") from error
        if not isinstance(record, dict):
            raise ProbeDataError(f"{path}:{number}: expected a JSON object")
        records.append((number, record))
    if not records:
        raise ProbeDataError(f"{path}: no records")
    return records


def _field(where: str, record: dict, name: str, kind: type) -> Any:
    value = record.get(name)
    if not isinstance(value, kind) or isinstance(value, bool):
        raise ProbeDataError(f"{where}: field {name!r} must be a {kind.__name__}")
    return value


def _marked(where: str, record: object) -> Marked:
    if not isinstance(record, dict):
        raise ProbeDataError(f"{where}: expected an object with text, start, end and word")
    marked = Marked(_field(where, record, "text", str), _field(where, record, "start", int),
                    _field(where, record, "end", int), _field(where, record, "word", str))
    if not 0 <= marked.start < marked.end <= len(marked.text):
        raise ProbeDataError(f"{where}: offsets {marked.start}-{marked.end} outside the text")
    if marked.text[marked.start : marked.end] != marked.word:
        raise ProbeDataError(f"{where}: text[{marked.start}:{marked.end}] is "
                             f"{marked.text[marked.start : marked.end]!r}, not {marked.word!r}")
    return marked


def load_pairs(path: Path = LOADED_PAIRS) -> list[LoadedPair]:
    pairs: list[LoadedPair] = []
    seen_ids: set[str] = set()
    seen_texts: set[str] = set()
    for number, record in read_jsonl(path):
        where = f"{path}:{number}"
        pair = LoadedPair(_field(where, record, "id", str), _field(where, record, "topic", str),
                          _marked(f"{where} loaded", record.get("loaded")),
                          _marked(f"{where} neutral", record.get("neutral")))
        loaded, neutral = pair.loaded, pair.neutral
        if (loaded.text[: loaded.start] != neutral.text[: neutral.start]
                or loaded.text[loaded.end :] != neutral.text[neutral.end :]):
            raise ProbeDataError(f"{where}: the two sentences differ outside the marked words")
        if loaded.word == neutral.word:
            raise ProbeDataError(f"{where}: loaded and neutral words are the same")
        if pair.id in seen_ids or loaded.text in seen_texts:
            raise ProbeDataError(f"{where}: duplicate pair {pair.id!r}")
        seen_ids.add(pair.id)
        seen_texts.add(loaded.text)
        pairs.append(pair)
    return pairs


def load_frame_sentences(path: Path = FRAME_SENTENCES) -> dict[str, tuple[str, str]]:
    """Sentence id -> (frame, text)."""
    sentences: dict[str, tuple[str, str]] = {}
    texts: set[str] = set()
    for number, record in read_jsonl(path):
        where = f"{path}:{number}"
        sentence_id = _field(where, record, "id", str)
        frame, text = _field(where, record, "frame", str), _field(where, record, "text", str)
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
        text = _field(where, record, "text", str)
        raw = _field(where, record, "sentences", list)
        placed = []
        for item in raw:
            if not isinstance(item, dict):
                raise ProbeDataError(f"{where}: each sentence must be an object")
            sentence = ProbeSentence(_field(where, item, "id", str), _field(where, item, "frame", str),
                                     _field(where, item, "start", int), _field(where, item, "end", int))
            if sentence.id not in known:
                raise ProbeDataError(f"{where}: sentence {sentence.id!r} is not in {sentences_path}")
            if sentence.id in used:
                raise ProbeDataError(f"{where}: sentence {sentence.id!r} is used twice")
            frame, sentence_text = known[sentence.id]
            if sentence.frame != frame or text[sentence.start : sentence.end] != sentence_text:
                raise ProbeDataError(f"{where}: sentence {sentence.id!r} does not match {sentences_path}")
            used.add(sentence.id)
            placed.append(sentence)
        articles.append(FrameArticle(_field(where, record, "id", str), text, tuple(placed)))
    return articles
