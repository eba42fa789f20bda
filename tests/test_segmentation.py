"""Paragraphs and sentences: exact code-point offsets, one line at most per sentence."""

from __future__ import annotations

import pytest

from framing.model.segmentation import split_paragraphs, split_sentences
from framing.training.readers import read_semeval_folder


def sentences(text: str) -> list[str]:
    return [text[s.start : s.end] for s in split_sentences(text)]


def check_invariants(text: str) -> None:
    """What every segmentation must satisfy, whatever the text."""
    found = split_sentences(text)
    # a line ends at "\n", "\r\n" or a lone "\r"
    line_starts = [0] + [i + 1 for i, c in enumerate(text)
                         if c == "\n" or (c == "\r" and text[i + 1 : i + 2] != "\n")]
    previous_end = 0
    for index, sentence in enumerate(found):
        assert sentence.index == index
        assert previous_end <= sentence.start < sentence.end <= len(text)
        piece = text[sentence.start : sentence.end]
        assert piece == piece.strip(), piece
        assert "\n" not in piece and "\r" not in piece, piece
        # The paragraph number is the 0-based line the sentence lies on.
        assert sum(1 for start in line_starts if start <= sentence.start) - 1 == sentence.paragraph
        previous_end = sentence.end
    # Nothing but whitespace is left out.
    covered = set()
    for sentence in found:
        covered.update(range(sentence.start, sentence.end))
    assert all(text[i].isspace() for i in range(len(text)) if i not in covered)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("The cat sat. The dog ran! Did it? Yes.", ["The cat sat.", "The dog ran!", "Did it?", "Yes."]),
        ('He said "Stop." Then he left.', ['He said "Stop."', "Then he left."]),
        ('"Why?" she asked. Nobody answered.', ['"Why?" she asked.', "Nobody answered."]),
        ("He called it “a shame.” The crowd cheered.", ["He called it “a shame.”", "The crowd cheered."]),
        ("It ended. \"Never again,\" he said.", ["It ended.", '"Never again," he said.']),
        ("(It rained.) Then it stopped.", ["(It rained.)", "Then it stopped."]),
        ("Wait... What?! Yes.", ["Wait...", "What?!", "Yes."]),
        ("Prices rose 5%. 2021 was worse.", ["Prices rose 5%.", "2021 was worse."]),
    ],
)
def test_sentence_boundaries_and_quotes(text: str, expected: list[str]) -> None:
    assert sentences(text) == expected
    check_invariants(text)


@pytest.mark.parametrize(
    "text",
    [
        "Dr. Lena Haas spoke first. She was brief.",
        "Mr. and Mrs. Kay arrived at 5 p.m. on Friday. They left early.",
        "The U.S. Navy and the U.K. Foreign Office agreed on Monday. Talks began.",
        "Sen. Harold Brisk voted against. Others abstained.",
        "Some cities, e.g. Lyon, agreed. Others did not.",
        "Acme Corp. Chairman Li resigned. Shares fell.",
    ],
)
def test_abbreviations_do_not_end_sentences(text: str) -> None:
    found = sentences(text)
    assert len(found) == 2, found
    check_invariants(text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("He voted no. Others abstained.", ["He voted no.", "Others abstained."]),
        ("She lives at No. 10 Elm Street. It is old.", ["She lives at No. 10 Elm Street.", "It is old."]),
        ("They sat in the sun. Then they left.", ["They sat in the sun.", "Then they left."]),
        # An abbreviation can end a sentence: it does when a typical first word follows.
        ("He moved to the U.S. The job paid well.", ["He moved to the U.S.", "The job paid well."]),
        ("It closed at 5 p.m. Then the riots began.", ["It closed at 5 p.m.", "Then the riots began."]),
        ("He sued Acme Inc. It settled.", ["He sued Acme Inc.", "It settled."]),
        ("The U.S. Army and the U.N. Security Council met.", ["The U.S. Army and the U.N. Security Council met."]),
        ("Some cities, e.g. The Hague, agreed.", ["Some cities, e.g. The Hague, agreed."]),
        ("Gen. The Hon. Lee spoke.", ["Gen. The Hon. Lee spoke."]),
    ],
)
def test_words_that_look_like_abbreviations(text: str, expected: list[str]) -> None:
    assert sentences(text) == expected


def test_initials_do_not_end_sentences() -> None:
    text = "Prosecutors charged J. R. Hall on Tuesday. George W. Ray was not there."
    assert sentences(text) == ["Prosecutors charged J. R. Hall on Tuesday.", "George W. Ray was not there."]


def test_headline_without_full_stop_is_its_own_sentence() -> None:
    text = "Rents jump again as housing shortage bites\nRents rose by nine percent. Tenants protested."
    assert sentences(text) == [
        "Rents jump again as housing shortage bites",
        "Rents rose by nine percent.",
        "Tenants protested.",
    ]
    assert [s.paragraph for s in split_sentences(text)] == [0, 1, 1]


def test_blank_lines_are_empty_paragraphs_and_hold_no_sentence() -> None:
    text = "Headline here\n\nFirst paragraph.\n   \n\nSecond paragraph. More.\n"
    paragraphs = split_paragraphs(text)
    assert len(paragraphs) == text.count("\n") + 1
    assert [text[p.start : p.end] for p in paragraphs] == [
        "Headline here", "", "First paragraph.", "", "", "Second paragraph. More.", "",
    ]
    found = split_sentences(text)
    assert [text[s.start : s.end] for s in found] == [
        "Headline here", "First paragraph.", "Second paragraph.", "More.",
    ]
    assert [s.paragraph for s in found] == [0, 2, 5, 5]
    check_invariants(text)


def test_crlf_line_endings_keep_offsets_into_the_original_text() -> None:
    text = "Head line\r\nBody one. Body two.\r\n\r\nLast one.\r\n"
    assert sentences(text) == ["Head line", "Body one.", "Body two.", "Last one."]
    assert [s.paragraph for s in split_sentences(text)] == [0, 1, 1, 3]
    paragraphs = split_paragraphs(text)
    assert text[paragraphs[1].start : paragraphs[1].end] == "Body one. Body two."
    check_invariants(text)


def test_carriage_returns_alone_end_lines_too() -> None:
    text = "Head line\rBody one. Body two.\r\rLast one.\r"
    assert sentences(text) == ["Head line", "Body one.", "Body two.", "Last one."]
    assert [s.paragraph for s in split_sentences(text)] == [0, 1, 1, 3]
    assert len(split_paragraphs(text)) == len(split_paragraphs(text.replace("\r", "\n")))
    check_invariants(text)


def test_leading_and_trailing_whitespace_is_trimmed() -> None:
    text = "  Indented line. Next one!  \n\tTabbed. "
    assert sentences(text) == ["Indented line.", "Next one!", "Tabbed."]
    check_invariants(text)


def test_non_ascii_text_uses_code_point_offsets() -> None:
    text = "Zürich fest draws crowds\n\nChef José Muñoz came from Łódź. Żaneta queued for crêpes — and rösti."
    assert sentences(text) == [
        "Zürich fest draws crowds",
        "Chef José Muñoz came from Łódź.",
        "Żaneta queued for crêpes — and rösti.",
    ]
    check_invariants(text)
    emoji = "Great news 🎉. Ещё одна новость. 東京で会議が開かれた"
    assert sentences(emoji) == ["Great news 🎉.", "Ещё одна новость.", "東京で会議が開かれた"]
    check_invariants(emoji)


@pytest.mark.parametrize(
    "text",
    ["Il a dit oui. été chaud ici.", "Он сказал. новый день.", "Sie kam an. über Nacht blieb sie."],
)
def test_a_lower_case_letter_never_starts_a_sentence_whatever_the_script(text: str) -> None:
    assert len(sentences(text)) == 1


def test_empty_and_whitespace_only_text() -> None:
    assert split_sentences("") == []
    assert split_sentences(" \n\t\n ") == []
    assert len(split_paragraphs("")) == 1


def test_sample_corpus_round_trips(sample_corpus) -> None:
    """Every sentence of the shipped samples obeys the invariants, and each span lies on one line."""
    for document in read_semeval_folder(sample_corpus):
        check_invariants(document.text)
        for span in document.spans:
            assert "\n" not in document.text[span.start : span.end]



@pytest.mark.parametrize("word", ["Corp", "U.S", "J", "x" * 70 + ".U.S", "a." * 40 + "b", "No", "e" * 63 + ".g"])
@pytest.mark.parametrize("before", ["", "Intro text ", "y" * 200 + " "])
def test_the_word_before_a_full_stop_is_read_whole_however_long_it_is(word: str, before: str,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    """The word before a full stop is first looked for close to it (a search from the start of the text
    made long articles quadratic); the decisions are those of a search from the start."""
    from framing.model import segmentation

    texts = [(f"{before}{word}. {following} went on.", len(before) + len(word), following)
             for following in ("The", "Smith", "10")]
    near = [segmentation._is_abbreviation(*case) for case in texts]
    monkeypatch.setattr(segmentation, "_WORD_REACH", 10**9)  # every search from the start of the text
    assert near == [segmentation._is_abbreviation(*case) for case in texts]
