"""The team-written probes in data/probes/ are well-formed, and the loaders refuse malformed ones."""

from __future__ import annotations

import importlib.util
import json
import sys
from collections import Counter
from pathlib import Path

import pytest

from framing.model.segmentation import split_sentences
from framing.model.taxonomy import FRAMES

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))

from probe_data import (  # noqa: E402
    FRAME_ARTICLES,
    FRAME_SENTENCES,
    LOADED_PAIRS,
    LOADED_PAIRS_HELDOUT,
    ProbeDataError,
    load_frame_articles,
    load_frame_sentences,
    load_pairs,
)


def _generator(name: str):
    spec = importlib.util.spec_from_file_location(name, ROOT / "data" / "probes" / f"{name}.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("path, at_least", [(LOADED_PAIRS, 60), (LOADED_PAIRS_HELDOUT, 40)])
def test_loaded_pairs_are_minimal_pairs_with_matching_offsets(path: Path, at_least: int) -> None:
    pairs = load_pairs(path)
    assert len(pairs) >= at_least
    assert {p.topic for p in pairs} == {"conflict", "politics", "crime", "migration"}
    assert len({p.id for p in pairs}) == len(pairs)
    assert len({p.loaded.text for p in pairs}) == len(pairs)
    assert len({p.neutral.text for p in pairs}) == len(pairs)
    for p in pairs:
        for marked in (p.loaded, p.neutral):
            assert marked.text[marked.start : marked.end] == marked.word
            # the marked word is whole words, not part of one
            assert marked.start == 0 or not marked.text[marked.start - 1].isalnum()
            assert marked.end == len(marked.text) or not marked.text[marked.end].isalnum()
        assert p.loaded.text[: p.loaded.start] == p.neutral.text[: p.neutral.start]
        assert p.loaded.text[p.loaded.end :] == p.neutral.text[p.neutral.end :]
        assert p.loaded.word.lower() != p.neutral.word.lower()


def test_probe_files_are_what_their_generators_write() -> None:
    pairs = _generator("make_loaded_pairs")
    for path, written in ((LOADED_PAIRS, pairs.records(pairs.PAIRS, "loaded")),
                          (LOADED_PAIRS_HELDOUT, pairs.records(pairs.HELDOUT_PAIRS, "heldout"))):
        assert [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()] == written


def test_the_two_loaded_probes_share_no_loaded_word() -> None:
    first = {p.loaded.word.lower() for p in load_pairs(LOADED_PAIRS)}
    heldout = {p.loaded.word.lower() for p in load_pairs(LOADED_PAIRS_HELDOUT)}
    assert not first & heldout
    frames = _generator("make_frame_probe")
    records = frames.sentence_records()
    assert [json.loads(line) for line in FRAME_SENTENCES.read_text(encoding="utf-8").splitlines()] == records
    articles = [frames.article_record(i, g) for i, g in enumerate(frames.group(records), start=1)]
    assert [json.loads(line) for line in FRAME_ARTICLES.read_text(encoding="utf-8").splitlines()] == articles


def test_frame_sentences_cover_every_frame_several_times() -> None:
    sentences = load_frame_sentences()
    assert len(sentences) >= 80
    per_frame = Counter(frame for frame, _ in sentences.values())
    assert set(per_frame) == set(FRAMES)
    assert min(per_frame.values()) >= 3
    assert len({text for _, text in sentences.values()}) == len(sentences)


def test_frame_articles_mix_distinct_frames_and_split_as_written() -> None:
    articles = load_frame_articles()
    used = [s.id for a in articles for s in a.sentences]
    assert sorted(used) == sorted(load_frame_sentences())  # every sentence exactly once
    for article in articles:
        assert 3 <= len(article.sentences) <= 5
        assert len({s.frame for s in article.sentences}) == len(article.sentences)
        # the project's splitter cuts each article into exactly the probe's sentences
        assert [(s.start, s.end) for s in split_sentences(article.text)] == \
            [(s.start, s.end) for s in article.sentences]


def _write(path: Path, records: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return path


def _pair(loaded_text: str, start: int, end: int, word: str, neutral_text: str, n_end: int, n_word: str) -> dict:
    return {"id": "p1", "topic": "crime",
            "loaded": {"text": loaded_text, "start": start, "end": end, "word": word},
            "neutral": {"text": neutral_text, "start": start, "end": n_end, "word": n_word}}


def test_load_pairs_refuses_wrong_offsets_and_pairs_that_differ_elsewhere(tmp_path: Path) -> None:
    good = _pair("The thugs left.", 4, 9, "thugs", "The youths left.", 10, "youths")
    assert load_pairs(_write(tmp_path / "ok.jsonl", [good]))[0].neutral.word == "youths"
    shifted = _pair("The thugs left.", 3, 8, "thugs", "The youths left.", 10, "youths")
    with pytest.raises(ProbeDataError, match=r"bad\.jsonl:1 loaded: text\[3:8\]"):
        load_pairs(_write(tmp_path / "bad.jsonl", [shifted]))
    elsewhere = _pair("The thugs left.", 4, 9, "thugs", "The youths came.", 10, "youths")
    with pytest.raises(ProbeDataError, match="differ outside"):
        load_pairs(_write(tmp_path / "bad.jsonl", [elsewhere]))
    with pytest.raises(ProbeDataError, match="duplicate"):
        load_pairs(_write(tmp_path / "bad.jsonl", [good, good]))


def test_load_frame_articles_refuses_unknown_frames_and_mismatched_sentences(tmp_path: Path) -> None:
    sentences = _write(tmp_path / "s.jsonl", [{"id": "a", "frame": "Economic", "text": "Prices rose."}])
    article = {"id": "x", "text": "Prices rose.", "sentences": [{"id": "a", "frame": "Economic", "start": 0,
                                                                 "end": 12}]}
    assert load_frame_articles(_write(tmp_path / "a.jsonl", [article]), sentences)[0].sentences[0].end == 12
    article["sentences"][0]["end"] = 11
    with pytest.raises(ProbeDataError, match="does not match"):
        load_frame_articles(_write(tmp_path / "a.jsonl", [article]), sentences)
    unknown = _write(tmp_path / "u.jsonl", [{"id": "a", "frame": "Economy", "text": "Prices rose."}])
    with pytest.raises(ProbeDataError, match="unknown frame 'Economy'"):
        load_frame_sentences(unknown)
