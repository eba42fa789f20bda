"""A text not in English is still scored, and the Analysis says its figures are unreliable."""

from __future__ import annotations

import pytest

from framing.model.analyzer import Analyzer
from framing.model.language import NOT_ENGLISH, detect, language_warnings

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
