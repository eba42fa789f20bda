"""Issue 16, point 5: spans never end inside a user-perceived character."""

from __future__ import annotations

import unicodedata

import pytest

from framing.model.analyzer import Analyzer
from framing.model.segmentation import snap_to_graphemes

TEXT = ("The naïve, reckless regime lied again to the brave café people. Officials said the naïve plan "
        "would fail. Our brave soldiers will never abandon the homeland! ")


def inside_a_grapheme(text: str, offset: int) -> bool:
    return 0 < offset < len(text) and (unicodedata.category(text[offset]) in ("Mn", "Me", "Mc")
                                       or text[offset - 1] == "\u200d" or text[offset] == "\u200d")


@pytest.mark.parametrize("text,start,end,expected", [
    ("nai\u0308ve", 0, 3, (0, 4)),  # "nai" would cut the i from its diaeresis
    ("nai\u0308ve", 3, 6, (2, 6)),
    ("a\u0301\u0302b", 0, 1, (0, 3)),  # two marks on one letter
    ("x 👍🏽 y", 0, 3, (0, 4)),  # a skin tone belongs to its emoji
    ("👩\u200d💻 ok", 0, 1, (0, 3)),  # a joined emoji sequence stays whole
    ("plain words", 0, 5, (0, 5)),
])
def test_snap_to_graphemes(text, start, end, expected):
    assert snap_to_graphemes(text, start, end) == expected


def test_no_span_cuts_a_letter_from_its_combining_mark(analyzer: Analyzer):
    text = unicodedata.normalize("NFD", TEXT * 6)
    analysis = analyzer.analyze(text)
    assert analysis.spans
    for span in analysis.spans:
        assert not inside_a_grapheme(text, span.start) and not inside_a_grapheme(text, span.end), span
        assert text[span.start:span.end] == span.text


@pytest.mark.parametrize("text,words", [
    (unicodedata.normalize("NFD", "Les élites du régime"), ["Les", "élites", "du", "régime"]),  # NFD in, NFD out
    ("re\u200dgime cor\u200crupt soft\u00adware", ["re\u200dgime", "cor\u200crupt", "soft\u00adware"]),
    ("x² state-of-the-art don’t 👩\u200d💻!", ["x²", "state-of-the-art", "don’t", "👩", "\u200d", "💻", "!"]),
])
def test_marks_and_joiners_inside_a_word_belong_to_it(text, words):
    from framing.model.scores import PreparedText

    prepared = PreparedText.from_text(text)
    assert [text[a:b] for a, b in prepared.words] == [unicodedata.normalize("NFD", w) for w in words]


def test_decomposed_text_is_highlighted_as_its_composed_form(analyzer: Analyzer):
    composed = ("The corrupt, shameless élites of the régime keep lying to you, say critics of José Martínez. "
                "The régime's thugs beat the protesters.")
    decomposed = unicodedata.normalize("NFD", composed)
    spans = [(s.label, s.text) for s in analyzer.analyze(composed).spans]
    assert spans
    assert [(s.label, unicodedata.normalize("NFC", s.text)) for s in analyzer.analyze(decomposed).spans] == spans
