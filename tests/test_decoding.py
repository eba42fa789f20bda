"""Probabilities to Analysis: spans snap to words, never cross lines, and feed sentence labels."""

from __future__ import annotations

import json

import numpy as np
import pytest

from framing.model.decoding import WORD_EVIDENCE_FLOOR, build_analysis, reported, run_bounds, word_supported
from framing.model.schema import Analysis, ModelInfo
from framing.model.scores import DocumentScores, PreparedText
from framing.model.taxonomy import FRAME_INDEX, FRAMES, TECHNIQUE_INDEX, TECHNIQUES
from framing.model.thresholds import SpanGrowth, Thresholds

INFO = ModelInfo(name="test", version="0")
LOADED = TECHNIQUE_INDEX["Loaded_Language"]
DOUBT = TECHNIQUE_INDEX["Doubt"]


def scores_for(prepared: PreparedText) -> DocumentScores:
    return DocumentScores(
        word_techniques=np.zeros((len(prepared.words), len(TECHNIQUES)), dtype=np.float32),
        sentence_techniques=np.zeros((len(prepared.sentences), len(TECHNIQUES)), dtype=np.float32),
        sentence_frames=np.zeros((len(prepared.sentences), len(FRAMES)), dtype=np.float32),
        article_frames=np.zeros(len(FRAMES), dtype=np.float32),
    )


def word_index(prepared: PreparedText, word: str) -> int:
    for i, (start, end) in enumerate(prepared.words):
        if prepared.text[start:end] == word:
            return i
    raise AssertionError(word)


def test_runs_break_at_paragraph_changes() -> None:
    probabilities = np.array([0.9, 0.8, 0.1, 0.7, 0.7, 0.9])
    paragraphs = np.array([0, 0, 0, 0, 1, 1])
    starts, ends = run_bounds(probabilities, 0.5, paragraphs)
    assert list(zip(starts.tolist(), ends.tolist(), strict=True)) == [(0, 1), (3, 3), (4, 5)]


def test_runs_grow_over_neighbours_near_the_threshold_only_around_a_word_that_passes() -> None:
    probabilities = np.array([0.1, 0.45, 0.9, 0.4, 0.2, 0.45, 0.45, 0.1, 0.6, 0.45])
    paragraphs = np.array([0, 0, 0, 0, 0, 0, 0, 0, 0, 1])
    plain = run_bounds(probabilities, 0.5, paragraphs)
    assert list(zip(*(b.tolist() for b in plain), strict=True)) == [(2, 2), (8, 8)]
    grown = run_bounds(probabilities, 0.5, paragraphs, growth=SpanGrowth(extension=0.75))
    # 0.45 and 0.4 reach 0.75 x 0.5; the 0.45 pair at 5-6 holds no word that passes, and growth
    # stops at the line break after word 8.
    assert list(zip(*(b.tolist() for b in grown), strict=True)) == [(1, 3), (8, 8)]


def test_decoding_grows_spans_as_far_as_the_thresholds_say() -> None:
    text = "Officials said the radical Islamist terrorists attacked the town."
    prepared = PreparedText.from_text(text)
    scores = scores_for(prepared)
    for word, score in (("radical", 0.42), ("Islamist", 0.4), ("terrorists", 0.8), ("the", 0.45)):
        scores.word_techniques[word_index(prepared, word), LOADED] = score
    assert [s.text for s in build_analysis(prepared, scores, Thresholds(), INFO).spans] == ["terrorists"]
    grown = build_analysis(prepared, scores, Thresholds(span_growth=SpanGrowth(extension=0.75)), INFO)
    # "the" (0.45) joins the run but a span never starts on a function word.
    assert [s.text for s in grown.spans] == ["radical Islamist terrorists"]


def test_spans_cover_whole_words_with_exact_offsets() -> None:
    text = "Officials said the “barbaric” thugs attacked Zürich’s café.\nNext line."
    prepared = PreparedText.from_text(text)
    scores = scores_for(prepared)
    for word in ("barbaric", "thugs"):
        scores.word_techniques[word_index(prepared, word), LOADED] = 0.9
    scores.word_techniques[word_index(prepared, "”"), LOADED] = 0.9
    analysis = build_analysis(prepared, scores, Thresholds(), INFO, "doc")
    assert [(s.text, s.label) for s in analysis.spans] == [("barbaric” thugs", "Loaded_Language")]
    span = analysis.spans[0]
    assert text[span.start:span.end] == span.text
    assert analysis.sentences[span.sentence].techniques[0].label == "Loaded_Language"
    assert [t.label for t in analysis.techniques] == ["Loaded_Language"]
    assert analysis.id == "doc"


def test_a_span_never_crosses_a_line_break() -> None:
    text = "Headline of shame\nThe shameful deal"
    prepared = PreparedText.from_text(text)
    scores = scores_for(prepared)
    scores.word_techniques[:, LOADED] = 0.9
    analysis = build_analysis(prepared, scores, Thresholds(), INFO)
    assert [s.text for s in analysis.spans] == ["Headline of shame", "shameful deal"]
    assert [s.sentence for s in analysis.spans] == [0, 1]


def test_spans_never_start_or_end_on_function_words_or_punctuation() -> None:
    text = "They said the vile regime of thugs is on the march, again."
    prepared = PreparedText.from_text(text)
    scores = scores_for(prepared)
    for word in ("the", "vile", "regime", "of", "thugs", "is"):
        scores.word_techniques[word_index(prepared, word), LOADED] = 0.9
    scores.word_techniques[word_index(prepared, "on"), DOUBT] = 0.9  # a lone function word
    scores.word_techniques[word_index(prepared, ","), DOUBT] = 0.9  # a lone comma
    analysis = build_analysis(prepared, scores, Thresholds(), INFO)
    assert [(s.text, s.label) for s in analysis.spans] == [("vile regime of thugs", "Loaded_Language")]


def test_sentence_head_alone_can_assert_a_technique_and_lists_are_ranked() -> None:
    text = "Is that really true? Nobody believes them."
    prepared = PreparedText.from_text(text)
    scores = scores_for(prepared)
    scores.sentence_techniques[0, DOUBT] = 0.7
    scores.sentence_techniques[0, LOADED] = 0.95
    scores.sentence_techniques[1, DOUBT] = 0.4  # below threshold: not asserted
    scores.word_techniques[word_index(prepared, "really"), LOADED] = 0.2  # some word evidence, no span
    analysis = build_analysis(prepared, scores, Thresholds(), INFO)
    # No words placed: each claim is shown by marking the sentence whole, said so by its unit.
    assert [s for s in analysis.spans if s.unit == "words"] == []
    assert [(s.text, s.label, s.score, s.sentence, s.unit) for s in analysis.spans] == [
        ("Is that really true", "Loaded_Language", 0.95, 0, "sentence"),
        ("Is that really true", "Doubt", 0.7, 0, "sentence"),
    ]
    assert [t.label for t in analysis.sentences[0].techniques] == ["Loaded_Language", "Doubt"]
    assert analysis.sentences[1].techniques == []
    assert [t.label for t in analysis.techniques] == ["Loaded_Language", "Doubt"]


def test_frames_use_their_own_thresholds_and_show_in_the_sentences_that_carry_them() -> None:
    text = "Troops massed at the border. Prices rose."
    prepared = PreparedText.from_text(text)
    scores = scores_for(prepared)
    security, economic = FRAME_INDEX["Security_and_defense"], FRAME_INDEX["Economic"]
    scores.article_frames[[security, economic]] = [0.8, 0.35]
    scores.sentence_frames[0, security] = 0.9
    scores.sentence_frames[1, economic] = 0.9
    thresholds = Thresholds()
    thresholds.frame["Economic"] = 0.3
    analysis = build_analysis(prepared, scores, thresholds, INFO)
    assert [f.label for f in analysis.frames] == ["Security_and_defense", "Economic"]
    assert [f.label for f in analysis.sentences[0].frames] == ["Security_and_defense"]
    assert [f.label for f in analysis.sentences[1].frames] == ["Economic"]


def test_a_sentence_unit_technique_marks_the_whole_flagged_sentence() -> None:
    text = "Officials met today. “Is any of this really true?” Prices rose.\nNext line."
    prepared = PreparedText.from_text(text)
    scores = scores_for(prepared)
    scores.sentence_techniques[1, DOUBT] = 0.8
    scores.sentence_techniques[2, DOUBT] = 0.3  # below its threshold
    scores.word_techniques[word_index(prepared, "really"), DOUBT] = 0.99  # words are ignored for this unit
    scores.word_techniques[word_index(prepared, "Prices"), LOADED] = 0.9  # other techniques keep their unit
    thresholds = Thresholds()
    thresholds.span_unit["Doubt"] = "sentence"
    analysis = build_analysis(prepared, scores, thresholds, INFO)
    doubt = [s for s in analysis.spans if s.label == "Doubt"]
    # Trimmed of the quotes and the question mark, but not of its function words.
    assert [(s.text, s.sentence, s.score) for s in doubt] == [("Is any of this really true", 1, 0.8)]
    assert [(s.text, s.label) for s in analysis.spans if s.label != "Doubt"] == [("Prices", "Loaded_Language")]
    assert [t.label for t in analysis.sentences[1].techniques] == ["Doubt"]


def test_a_sentence_of_punctuation_only_gives_no_span() -> None:
    text = "It is. “…” Fine.\n…\n"
    prepared = PreparedText.from_text(text)
    scores = scores_for(prepared)
    scores.sentence_techniques[:, DOUBT] = 0.9
    thresholds = Thresholds()
    thresholds.span_unit["Doubt"] = "sentence"
    analysis = build_analysis(prepared, scores, thresholds, INFO)
    assert [s.text for s in analysis.spans] == ["It is", "Fine"]  # nothing for the line "…"


def test_thresholds_round_trip_with_span_units_and_older_files_default_to_words(tmp_path) -> None:
    thresholds = Thresholds()
    thresholds.span_unit["Doubt"] = "sentence"
    thresholds.span["Doubt"] = 0.35
    path = tmp_path / "thresholds.json"
    thresholds.save(path)
    assert Thresholds.load(path) == thresholds

    raw = json.loads(path.read_text())
    del raw["span_unit"]
    path.write_text(json.dumps(raw))
    assert set(Thresholds.load(path).span_unit.values()) == {"word"}

    raw["span_unit"] = {"Doubt": "paragraph"}
    path.write_text(json.dumps(raw))
    with pytest.raises(ValueError, match=r"unknown span unit.*paragraph"):
        Thresholds.load(path)


def test_span_growth_travels_with_the_thresholds_and_older_files_do_not_grow_spans(tmp_path) -> None:
    path = tmp_path / "thresholds.json"
    Thresholds(span_growth=SpanGrowth(extension=0.75, bridge=1)).save(path)
    assert Thresholds.load(path).span_growth == SpanGrowth(extension=0.75, bridge=1)
    raw = json.loads(path.read_text())
    del raw["span_growth"]  # calibrated before 2.3
    path.write_text(json.dumps(raw))
    assert Thresholds.load(path).span_growth == SpanGrowth(extension=1.0, bridge=0)
    for bad in ({"extension": 0}, {"extension": 1.5}, {"extension": "0.75"}, {"bridge": -1}, {"bridge": 1.5},
                {"bridge": True}, {"reach": 2}, [0.75, 1]):
        raw["span_growth"] = bad
        path.write_text(json.dumps(raw))
        with pytest.raises(ValueError, match="span_growth"):
            Thresholds.load(path)


def test_runs_a_connective_apart_join_when_the_growth_bridges_them() -> None:
    probabilities = np.array([0.9, 0.1, 0.8, 0.1, 0.1, 0.7, 0.1, 0.9])
    paragraphs = np.array([0, 0, 0, 0, 0, 0, 1, 1])
    bridged = run_bounds(probabilities, 0.5, paragraphs, growth=SpanGrowth(bridge=1))
    # 0 and 2 join across one word; 5 stays alone (two words from 2); 7 is on the next line.
    assert list(zip(*(b.tolist() for b in bridged), strict=True)) == [(0, 2), (5, 5), (7, 7)]
    text = "They spread lies and smears about the mayor."
    prepared = PreparedText.from_text(text)
    scores = scores_for(prepared)
    for word in ("lies", "smears"):
        scores.word_techniques[word_index(prepared, word), LOADED] = 0.9
    bridged_spans = build_analysis(prepared, scores, Thresholds(span_growth=SpanGrowth(bridge=1)), INFO).spans
    assert [s.text for s in bridged_spans] == ["lies and smears"]
    assert [s.text for s in build_analysis(prepared, scores, Thresholds(), INFO).spans] == ["lies", "smears"]
    # A content word between two highlights keeps them apart: they are two phrases, not one.
    text = "The thugs beat radical zealots."
    prepared = PreparedText.from_text(text)
    scores = scores_for(prepared)
    for word in ("thugs", "radical", "zealots"):
        scores.word_techniques[word_index(prepared, word), LOADED] = 0.9
    spans = build_analysis(prepared, scores, Thresholds(span_growth=SpanGrowth(bridge=2)), INFO).spans
    assert [s.text for s in spans] == ["thugs", "radical zealots"]


def test_no_span_crosses_a_sentence_even_where_the_growth_would_bridge_it() -> None:
    text = "Critics called it a betrayal by thugs. Corrupt elites keep lying! Hateful, vile smears."
    prepared = PreparedText.from_text(text)
    scores = scores_for(prepared)
    for word in ("thugs", "Corrupt", "elites", "lying", "Hateful", "vile", "smears"):
        scores.word_techniques[word_index(prepared, word), LOADED] = 0.9
    scores.word_techniques[word_index(prepared, "."), LOADED] = 0.9  # even a high-scoring full stop
    spans = build_analysis(prepared, scores, Thresholds(span_growth=SpanGrowth(extension=0.5, bridge=3)), INFO).spans
    assert sorted((s.sentence, s.text) for s in spans) == [
        (0, "thugs"), (1, "Corrupt elites"), (1, "lying"), (2, "Hateful, vile smears")]
    for span in spans:
        sentence = next(s for s in prepared.sentences if s.start <= span.start < s.end)
        assert span.end <= sentence.end


def test_every_asserted_technique_is_visible_as_placed_words_or_a_marked_sentence() -> None:
    text = "The reckless plan failed. Officials say it was fine. Experts doubt it.\nNew line here."
    prepared = PreparedText.from_text(text)
    scores = scores_for(prepared)
    scores.word_techniques[word_index(prepared, "reckless"), LOADED] = 0.9  # placed words
    scores.sentence_techniques[0, LOADED] = 0.8  # also the head: the placed span is enough
    scores.sentence_techniques[1, LOADED] = 0.6  # the head only: the sentence is marked whole
    scores.word_techniques[word_index(prepared, "fine"), LOADED] = 0.3  # (word evidence under the span threshold)
    scores.sentence_techniques[2, DOUBT] = 0.7
    thresholds = Thresholds()
    thresholds.span_unit["Doubt"] = "sentence"
    thresholds.span["Doubt"] = 0.9  # the sentence-unit decoder does not fire; the head (0.5) does
    analysis = build_analysis(prepared, scores, thresholds, INFO)
    assert [(s.text, s.label, s.unit, s.sentence) for s in analysis.spans] == [
        ("reckless", "Loaded_Language", "words", 0),
        ("Officials say it was fine", "Loaded_Language", "sentence", 1),
        ("Experts doubt it", "Doubt", "sentence", 2),
    ]
    for sentence in analysis.sentences:
        for technique in sentence.techniques:
            assert any(span.label == technique.label and span.start < sentence.end and span.end > sentence.start
                       for span in analysis.spans), (sentence.index, technique.label)
    assert analysis.spans[1].score == 0.6
    # The JSON says which is which.
    assert json.loads(analysis.model_dump_json())["spans"][1]["unit"] == "sentence"


def test_span_metrics_score_placed_words_only() -> None:
    from framing.training.documents import Document, GoldSpan
    from framing.training.evaluate import score_analyses

    text = "Officials say it was fine. Nothing else."
    prepared = PreparedText.from_text(text)
    scores = scores_for(prepared)
    scores.sentence_techniques[0, DOUBT] = 0.6
    analysis = build_analysis(prepared, scores, Thresholds(), INFO, "d")
    assert [s.unit for s in analysis.spans] == ["sentence"]
    document = Document(id="d", text=text, spans=[GoldSpan("Doubt", 0, 9)], frames=None)
    report = score_analyses([document], [analysis])
    assert report.spans.identification.precision == 0.0 and report.spans.identification.recall == 0.0


def test_a_marked_sentence_keeps_a_combining_mark_with_its_letter() -> None:
    """The whole-sentence mark ends where placed spans end: on a grapheme boundary, not inside one."""
    text = "They met at the cafe\u0301. Officials met."
    prepared = PreparedText.from_text(text)
    scores = scores_for(prepared)
    scores.sentence_techniques[0, DOUBT] = 0.95
    analysis = build_analysis(prepared, scores, Thresholds(), INFO)
    marked = [s for s in analysis.spans if s.unit == "sentence"]
    assert [s.text for s in marked] == ["They met at the cafe\u0301"]


def test_loaded_language_and_name_calling_need_some_word_evidence_in_the_sentence() -> None:
    """The sentence head alone does not mark a sentence as name calling when no word of it scores."""
    text = "Police moved the protesters back. The mob of thugs ran."
    prepared = PreparedText.from_text(text)
    scores = scores_for(prepared)
    naming = TECHNIQUES.index("Name_Calling-Labeling")
    scores.sentence_techniques[:, naming] = 0.9
    scores.sentence_techniques[0, DOUBT] = 0.9  # a sentence-level technique needs no word evidence
    scores.word_techniques[:, naming] = WORD_EVIDENCE_FLOOR / 2
    scores.word_techniques[word_index(prepared, "thugs"), naming] = WORD_EVIDENCE_FLOOR
    analysis = build_analysis(prepared, scores, Thresholds(), INFO)
    assert [t.label for t in analysis.sentences[0].techniques] == ["Doubt"]
    assert [t.label for t in analysis.sentences[1].techniques] == ["Name_Calling-Labeling"]
    assert [(s.sentence, s.label, s.unit) for s in analysis.spans] == [
        (0, "Doubt", "sentence"), (1, "Name_Calling-Labeling", "sentence")]
    assert word_supported(scores, None)[:, naming].tolist() == [0.0, 0.0], "no words, no evidence"


def test_reported_scores_read_one_half_at_the_threshold_and_keep_their_order() -> None:
    probabilities = np.array([0.01, 0.1, 0.15, 0.3, 0.9])
    for threshold in (0.15, 0.5, 0.875):
        scores = reported(probabilities, threshold)
        assert np.all(np.diff(scores) > 0)
        assert float(reported(threshold, threshold)) == pytest.approx(0.5)
        assert np.all((scores >= 0.5) == (probabilities >= threshold))
    np.testing.assert_allclose(reported(probabilities, 0.5), probabilities)  # a threshold of 0.5 changes nothing


def test_a_label_scores_the_same_at_both_points_and_sensitive_extras_score_under_one_half() -> None:
    text = "The thugs and the looters ran from the crowd. Prices rose again."
    prepared = PreparedText.from_text(text)
    scores = scores_for(prepared)
    for word, probability in (("thugs", 0.23), ("looters", 0.12)):
        scores.word_techniques[word_index(prepared, word), LOADED] = probability
    scores.sentence_techniques[1, DOUBT] = 0.2
    precise, sensitive = Thresholds(), Thresholds()
    precise.span["Loaded_Language"], sensitive.span["Loaded_Language"] = 0.15, 0.1
    precise.sentence["Doubt"], sensitive.sentence["Doubt"] = 0.3, 0.15
    strict = build_analysis(prepared, scores, precise, INFO, scale=precise)
    loose = build_analysis(prepared, scores, sensitive, INFO, operating_point="sensitive", scale=precise)

    def scored(analysis: Analysis) -> dict[str, float]:
        return {span.text: span.score for span in analysis.spans}

    assert list(scored(strict)) == ["thugs"]
    assert scored(strict)["thugs"] > 0.6  # 0.23 against a threshold of 0.15
    assert scored(loose)["thugs"] == scored(strict)["thugs"]
    assert scored(loose)["looters"] < 0.5  # asserted by the sensitive point only
    assert [(t.label, t.score) for t in strict.techniques] == [("Loaded_Language", scored(strict)["thugs"])]
    doubt = {t.label: t.score for t in loose.sentences[1].techniques}
    assert 0.0 < doubt["Doubt"] < 0.5


def test_a_grown_span_scores_its_best_word() -> None:
    prepared = PreparedText.from_text("Officials said the radical Islamist terrorists attacked the town.")
    scores = scores_for(prepared)
    for word, probability in (("radical", 0.42), ("Islamist", 0.4), ("terrorists", 0.8)):
        scores.word_techniques[word_index(prepared, word), LOADED] = probability
    thresholds = Thresholds(span_growth=SpanGrowth(extension=0.75))
    [span] = build_analysis(prepared, scores, thresholds, INFO).spans
    assert (span.text, span.score) == ("radical Islamist terrorists", 0.8)
