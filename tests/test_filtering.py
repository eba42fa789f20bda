"""model/filtering.py: technique and score filters apply to every list of an Analysis alike."""

from __future__ import annotations

import pytest

from framing.model.filtering import UnknownLabelError, filter_analysis
from framing.model.schema import Analysis, LabelScore, ModelInfo, SentenceAnalysis, Span

TEXT = "Cruel thugs burned the village. Calm voices asked for talks."


def ls(label: str, score: float) -> LabelScore:
    return LabelScore(label=label, score=score)


def span(start: int, end: int, label: str, score: float, sentence: int) -> Span:
    return Span(start=start, end=end, text=TEXT[start:end], label=label, score=score, sentence=sentence)


@pytest.fixture
def analysis() -> Analysis:
    return Analysis(
        id="doc",
        model=ModelInfo(name="m", version="1"),
        frames=[ls("Security_and_defense", 0.9), ls("Political", 0.4)],
        techniques=[ls("Loaded_Language", 0.8), ls("Name_Calling-Labeling", 0.6), ls("Doubt", 0.3)],
        sentences=[
            SentenceAnalysis(index=0, start=0, end=31,
                             techniques=[ls("Loaded_Language", 0.8), ls("Name_Calling-Labeling", 0.6)],
                             frames=[ls("Security_and_defense", 0.9)]),
            SentenceAnalysis(index=1, start=32, end=60, techniques=[ls("Doubt", 0.3)],
                             frames=[ls("Political", 0.4)]),
        ],
        spans=[span(0, 5, "Loaded_Language", 0.8, 0), span(0, 11, "Name_Calling-Labeling", 0.6, 0),
               span(32, 43, "Doubt", 0.3, 1)],
    )


def technique_labels(result: Analysis) -> set[str]:
    labels = {item.label for item in result.techniques} | {s.label for s in result.spans}
    for sentence in result.sentences:
        labels |= {item.label for item in sentence.techniques}
    return labels


def all_scores(result: Analysis) -> list[float]:
    scores = [i.score for i in result.frames + result.techniques] + [s.score for s in result.spans]
    for sentence in result.sentences:
        scores += [i.score for i in sentence.techniques + sentence.frames]
    return scores


def test_no_options_returns_an_equal_copy(analysis):
    result = filter_analysis(analysis)
    assert result == analysis
    assert result is not analysis


def test_technique_filter_applies_to_article_sentences_and_spans_but_not_frames(analysis):
    result = filter_analysis(analysis, techniques=["Loaded_Language", "Doubt"])
    assert technique_labels(result) == {"Loaded_Language", "Doubt"}
    assert [i.label for i in result.techniques] == ["Loaded_Language", "Doubt"]
    assert [s.label for s in result.spans] == ["Loaded_Language", "Doubt"]
    assert [[i.label for i in s.techniques] for s in result.sentences] == [["Loaded_Language"], ["Doubt"]]
    assert result.frames == analysis.frames
    assert [s.frames for s in result.sentences] == [s.frames for s in analysis.sentences]


def test_min_score_applies_to_every_list_frames_included(analysis):
    result = filter_analysis(analysis, min_score=0.6)
    assert min(all_scores(result)) >= 0.6
    assert [i.label for i in result.frames] == ["Security_and_defense"]
    assert [i.label for i in result.techniques] == ["Loaded_Language", "Name_Calling-Labeling"]
    assert [s.label for s in result.spans] == ["Loaded_Language", "Name_Calling-Labeling"]
    assert result.sentences[1].techniques == [] and result.sentences[1].frames == []
    # A score exactly at the floor stays.
    assert [s.label for s in filter_analysis(analysis, min_score=0.3).spans] == [
        "Loaded_Language", "Name_Calling-Labeling", "Doubt"]


def test_filters_combine_and_never_reorder(analysis):
    result = filter_analysis(analysis, techniques=["Name_Calling-Labeling", "Loaded_Language"], min_score=0.7)
    assert technique_labels(result) == {"Loaded_Language"}
    assert [i.score for i in result.techniques] == sorted((i.score for i in result.techniques), reverse=True)


def test_sentences_false_drops_the_breakdown_only(analysis):
    result = filter_analysis(analysis, sentences=False)
    assert result.sentences == []
    assert result.spans == analysis.spans
    assert result.techniques == analysis.techniques


def test_empty_technique_list_keeps_no_technique(analysis):
    result = filter_analysis(analysis, techniques=[])
    assert technique_labels(result) == set()
    assert result.frames == analysis.frames


def test_input_is_not_modified(analysis):
    before = analysis.model_dump()
    filter_analysis(analysis, techniques=["Doubt"], min_score=0.5, sentences=False)
    assert analysis.model_dump() == before


def test_unknown_technique_is_an_error_naming_it(analysis):
    with pytest.raises(UnknownLabelError, match="Loaded_Langauge"):
        filter_analysis(analysis, techniques=["Loaded_Langauge"])


def test_unknown_technique_suggests_the_closest_known_name(analysis):
    with pytest.raises(UnknownLabelError) as error:
        filter_analysis(analysis, techniques=["Doubt", "Loaded_Langauge", "Name calling", "Astrology"])
    assert error.value.unknown == ["Astrology", "Loaded_Langauge", "Name calling"]
    assert str(error.value).startswith(
        "unknown technique(s): Astrology, Loaded_Langauge (did you mean 'Loaded_Language'?), "
        "Name calling (did you mean 'Name_Calling-Labeling'?); ")


@pytest.mark.parametrize("bad", [-0.1, 1.5, float("nan")])
def test_min_score_outside_zero_one_is_an_error(analysis, bad):
    with pytest.raises(ValueError, match="min_score"):
        filter_analysis(analysis, min_score=bad)
