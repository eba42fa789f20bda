"""The probe benchmarks' scoring on tiny fake analyses: recall, false alarms, term counts, top-1."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

from framing.model.schema import Analysis, ModelInfo, Span
from framing.model.scores import DocumentScores, PreparedText
from framing.model.taxonomy import FRAMES, TECHNIQUE_INDEX, TECHNIQUES

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "benchmarks"))

from bench_frames_probe import judge_sentences, match_sentences, summarize
from bench_probe import count_terms, loaded_word_score, score_pairs
from probe_data import FrameArticle, LoadedPair, Marked, ProbeDataError, ProbeSentence

INFO = ModelInfo(name="fake", version="0")


def analysis(*spans: tuple[int, int, str], text: str = "") -> Analysis:
    return Analysis(model=INFO, spans=[Span(start=a, end=b, text=text[a:b], label=label, score=0.9, sentence=0)
                                       for a, b, label in spans])


def pair(pair_id: str, loaded: str, neutral: str) -> LoadedPair:
    return LoadedPair(pair_id, "crime", Marked(f"The {loaded} left.", 4, 4 + len(loaded), loaded),
                      Marked(f"The {neutral} left.", 4, 4 + len(neutral), neutral))


def test_score_pairs_counts_recall_and_false_alarms() -> None:
    pairs = [pair("p1", "thugs", "youths"), pair("p2", "rabble", "crowd"), pair("p3", "vermin", "people")]
    loaded = [
        analysis((0, 6, "Name_Calling-Labeling")),  # overlaps "thugs" (4-9) partly: found
        analysis((4, 10, "Doubt")),  # another technique: not found
        analysis((11, 16, "Loaded_Language")),  # after the word: not found
    ]
    neutral = [
        analysis((0, 15, "Flag_Waving")),  # any technique over the neutral word: a false alarm
        analysis(),
        analysis((4, 10, "Loaded_Language")),  # false alarm by a loaded-language span
    ]
    summary = score_pairs("default", pairs, loaded, neutral, [0.8, 0.1, 0.2], [0.01, 0.0, 0.7])
    assert (summary.pairs, summary.found, summary.false_alarms) == (3, 1, 2)
    assert summary.recall == pytest.approx(1 / 3)
    assert summary.false_alarm_rate == pytest.approx(2 / 3)
    assert summary.false_alarms_loaded_techniques == 1
    first = summary.results[0]
    assert (first.loaded_labels, first.neutral_labels, first.loaded_score) == (["Name_Calling-Labeling"],
                                                                              ["Flag_Waving"], 0.8)
    with pytest.raises(ValueError, match="differ in length"):
        score_pairs("default", pairs, loaded[:2], neutral)


def test_span_touching_the_word_without_overlap_does_not_count() -> None:
    summary = score_pairs("default", [pair("p1", "thugs", "youths")], [analysis((9, 14, "Loaded_Language"))],
                          [analysis((0, 4, "Loaded_Language"))])
    assert (summary.found, summary.false_alarms) == (0, 0)


def test_count_terms_matches_word_starts_case_insensitively() -> None:
    text = "Raiders came at night. A raider fled. The raid failed. Nonraiders stayed."
    result = count_terms([text], [analysis((0, 7, "Loaded_Language"), (23, 31, "Doubt"))], ["raider"])
    assert len(result) == 1
    assert (result[0].occurrences, result[0].highlighted, result[0].highlighted_any) == (2, 1, 2)


def test_loaded_word_score_is_the_highest_loaded_probability_inside_the_mark() -> None:
    prepared = PreparedText.from_text("The savage thugs left.")
    words = np.zeros((len(prepared.words), len(TECHNIQUES)), dtype=np.float32)
    words[1, TECHNIQUE_INDEX["Loaded_Language"]] = 0.4  # "savage"
    words[2, TECHNIQUE_INDEX["Name_Calling-Labeling"]] = 0.7  # "thugs"
    words[3, TECHNIQUE_INDEX["Loaded_Language"]] = 0.9  # "left", outside the mark
    words[2, TECHNIQUE_INDEX["Doubt"]] = 0.95  # another technique
    scores = DocumentScores(words, np.zeros((1, len(TECHNIQUES))), np.zeros((1, len(FRAMES))), np.zeros(len(FRAMES)))
    assert loaded_word_score(prepared, scores, 4, 16) == pytest.approx(0.7)
    assert loaded_word_score(prepared, scores, 4, 10) == pytest.approx(0.4)


def frame_row(**values: float) -> np.ndarray:
    row = np.zeros(len(FRAMES))
    for name, value in values.items():
        row[FRAMES.index(name)] = value
    return row


def test_frame_scoring_reads_top1_from_scores_and_own_frame_from_asserted_labels() -> None:
    a = [ProbeSentence("s1", "Economic", 0, 10), ProbeSentence("s2", "Morality", 11, 20)]
    b = [ProbeSentence("s3", "Political", 0, 10), ProbeSentence("s4", "Public_opinion", 11, 20)]
    results = judge_sentences("a", a, np.stack([frame_row(Economic=0.6, Political=0.5),
                                                frame_row(Economic=0.7, Morality=0.4)]),
                              [["Economic"], ["Morality"]])
    results += judge_sentences("b", b, np.stack([frame_row(Political=0.9),
                                                 frame_row(Political=0.1, Public_opinion=0.8)]),
                               [[], ["Political"]])
    assert [r.correct for r in results] == [True, False, True, True]
    assert [r.own_asserted for r in results] == [True, True, False, False]
    assert [r.own_rank for r in results] == [1, 2, 1, 1]
    summary = summarize("in articles", results)
    assert (summary.sentences, summary.top1_correct, summary.own_asserted, summary.articles) == (4, 3, 2, 2)
    assert summary.top1_accuracy == pytest.approx(0.75)
    assert summary.own_asserted_share == pytest.approx(0.5)
    assert summary.distinct_top_frames == [1, 2]
    assert summary.mean_distinct_frames == pytest.approx(1.5)


def test_match_sentences_refuses_a_different_segmentation() -> None:
    article = FrameArticle("x", "One. Two.", (ProbeSentence("s1", "Economic", 0, 4),
                                             ProbeSentence("s2", "Political", 5, 9)))
    assert match_sentences(article, [(0, 4), (5, 9)]) == [0, 1]
    with pytest.raises(ProbeDataError, match="cuts this article differently"):
        match_sentences(article, [(0, 9)])



def test_frame_scoring_counts_own_frames_the_article_lists_too() -> None:
    a = [ProbeSentence("s1", "Economic", 0, 10), ProbeSentence("s2", "Morality", 11, 20)]
    results = judge_sentences("a", a, np.stack([frame_row(Economic=0.6), frame_row(Morality=0.7)]),
                              [["Economic"], ["Morality"]], ["Economic", "Political"])
    assert [r.own_asserted for r in results] == [True, True]
    assert [r.own_asserted_with_article for r in results] == [True, False]
    summary = summarize("in articles", results)
    assert summary.own_asserted_with_article == 1 and summary.own_asserted_with_article_share == pytest.approx(0.5)
