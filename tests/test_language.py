"""A text not in English is still scored, and the Analysis says its figures are unreliable; a sentence in
another script inside an English text is not scored, and the Analysis says so."""

from __future__ import annotations

import numpy as np
import pytest

from framing.model.analyzer import Analyzer
from framing.model.decoding import build_analysis
from framing.model.language import FOREIGN_SCRIPT, NOT_ENGLISH, detect, foreign_script_sentences, language_warnings
from framing.model.schema import ModelInfo
from framing.model.scores import DocumentScores, PreparedText
from framing.model.taxonomy import FRAMES, TECHNIQUES
from framing.model.thresholds import Thresholds

GERMAN = "Die Regierung hat am Montag beschlossen, die Steuern für alle Familien deutlich zu erhöhen."
ARABIC = "قررت الحكومة يوم الاثنين رفع الضرائب على جميع الأسر بشكل حاد."
ENGLISH = [
    "The government decided on Monday to raise taxes for all families sharply.",
    "Café owners — worried, angry — closed early. Señor García said nothing.",
    "GDP rose 2% in Q3; CPI fell.  OPEC+ cut output by 1.2m bpd, Reuters reported.",
]


@pytest.mark.parametrize("text, code", [(GERMAN, "de"), (ARABIC, "ar")])
def test_other_languages_are_named_in_a_not_english_warning(text: str, code: str) -> None:
    assert detect(text)[0] == code  # type: ignore[index]
    warnings = language_warnings(text)
    assert [w.code for w in warnings] == [NOT_ENGLISH]
    assert "not English" in warnings[0].message


@pytest.mark.parametrize("text", ENGLISH)
def test_english_text_warns_of_nothing(text: str) -> None:
    assert language_warnings(text) == []


def test_too_short_to_tell_warns_of_nothing() -> None:
    assert detect("Berlin, 12. März") is None
    assert language_warnings("Berlin, 12. März") == []


def test_the_analysis_carries_the_warning_and_scoring_goes_on(analyzer: Analyzer) -> None:
    analysis = analyzer.analyze(GERMAN + " " + GERMAN, "de")
    assert [w.code for w in analysis.warnings] == [NOT_ENGLISH]
    assert analysis.sentences  # still scored
    assert analyzer.analyze(ENGLISH[0]).warnings == []


CYRILLIC_LINE = "Сообщите нам об этой ошибке."


def test_sentences_in_another_script_inside_latin_text_are_found_and_named() -> None:
    text = f"The ministry said the talks had failed.\n{CYRILLIC_LINE}\nCafé owners in Zürich agreed."
    prepared = PreparedText.from_text(text)
    foreign, scripts = foreign_script_sentences(text, [(s.start, s.end) for s in prepared.sentences])
    assert foreign == [False, True, False]  # accented Latin is Latin
    assert scripts == ["Cyrillic"]
    # A text mostly in another script is the not_english warning's business, not this one's; a
    # Latin sentence quoting a word of another script stays scored.
    russian = f"{CYRILLIC_LINE} {CYRILLIC_LINE} Reuters."
    assert not any(foreign_script_sentences(russian, [(0, len(russian))])[0])
    quoted = "He called them «предатели», traitors, in a speech on Monday."
    assert foreign_script_sentences(quoted, [(0, len(quoted))]) == ([False], [])


def test_decoding_asserts_nothing_in_a_sentence_of_another_script_and_says_so() -> None:
    text = f"The regime's thugs attacked the crowd.\n{CYRILLIC_LINE}"
    prepared = PreparedText.from_text(text)
    n_words, n_sentences = len(prepared.words), len(prepared.sentences)
    everything = DocumentScores(np.full((n_words, len(TECHNIQUES)), 0.9), np.full((n_sentences, len(TECHNIQUES)), 0.9),
                                np.full((n_sentences, len(FRAMES)), 0.9), np.full(len(FRAMES), 0.9))
    analysis = build_analysis(prepared, everything, Thresholds(), ModelInfo(name="t", version="0"))
    english, cyrillic = analysis.sentences
    assert english.techniques and english.frames
    assert not cyrillic.techniques and not cyrillic.frames
    assert all(span.end <= cyrillic.start for span in analysis.spans)
    assert [w.code for w in analysis.warnings] == [FOREIGN_SCRIPT]
    assert "1 sentence is written in Cyrillic script" in analysis.warnings[0].message
    assert build_analysis(PreparedText.from_text("Only English here."), DocumentScores(
        np.full((4, len(TECHNIQUES)), 0.9), np.full((1, len(TECHNIQUES)), 0.9), np.full((1, len(FRAMES)), 0.9),
        np.full(len(FRAMES), 0.9)), Thresholds(), ModelInfo(name="t", version="0")).warnings == []


def test_the_served_analysis_judges_the_language_of_what_it_scored(analyzer: Analyzer) -> None:
    # Half of this short text's letters are Cyrillic, so langid calls the whole of it Russian; the
    # Cyrillic line is reported on its own and the English sentence that was scored is English.
    text = f"The regime sent thugs to beat the protesters.\n{CYRILLIC_LINE}"
    assert [w.code for w in language_warnings(text)] == [NOT_ENGLISH]
    analysis = analyzer.analyze(text)
    assert [w.code for w in analysis.warnings] == [FOREIGN_SCRIPT]
    assert not analysis.sentences[-1].techniques and not analysis.sentences[-1].frames
    # A text in another language altogether still says so.
    assert [w.code for w in analyzer.analyze(f"{GERMAN} {CYRILLIC_LINE}").warnings] == [NOT_ENGLISH, FOREIGN_SCRIPT]
