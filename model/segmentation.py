"""Paragraphs and sentences with exact character offsets into the original text.

A paragraph is one line (the SemEval-2023 definition, so paragraph metrics line up with the task's
labels). Sentences never cross a line break: headlines and bylines without full stops stay
sentences of their own.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass


@dataclass(frozen=True)
class Paragraph:
    index: int  # 0-based line number in the text
    start: int
    end: int


@dataclass(frozen=True)
class Sentence:
    index: int
    start: int
    end: int
    paragraph: int  # 0-based line number


# Lower-cased abbreviations that end in a full stop without ending the sentence.
ABBREVIATIONS = frozenset((
    "mr", "mrs", "ms", "dr", "prof", "sr", "jr", "st", "mt", "ft", "gen", "col", "lt", "sgt", "capt",
    "cmdr", "adm", "gov", "sen", "rep", "pres", "rev", "hon", "fr", "vs", "etc", "al", "inc", "ltd",
    "co", "corp", "dept", "univ", "approx", "est", "jan", "feb", "mar", "apr", "jun", "jul", "aug",
    "sep", "sept", "oct", "nov", "dec", "mon", "tue", "thu", "fri", "u.s", "u.k", "u.n", "e.g", "i.e",
    "a.m", "p.m", "d.c", "n.y", "l.a",
))
# Abbreviations a sentence may end on ("He moved to the U.S. The job..."): they end it when the next
# word is one that mostly starts sentences. Titles ("Dr.", "Gen.") and "e.g." never end one.
FINAL_ABBREVIATIONS = frozenset((
    "u.s", "u.k", "u.n", "d.c", "n.y", "l.a", "a.m", "p.m", "etc", "inc", "ltd", "co", "corp", "jr", "sr",
))
SENTENCE_STARTERS = frozenset((
    "the", "a", "an", "it", "he", "she", "they", "we", "i", "you", "this", "that", "these", "those", "there",
    "but", "and", "so", "yet", "however", "then", "when", "while", "after", "before", "if", "as", "in",
    "his", "her", "their", "our", "its", "what", "why", "how", "who", "where", "some", "many", "most",
))
# Abbreviations that are also words a sentence can end on ("He voted no."): abbreviations only
# when a number follows ("No. 10"). Day names like "sat", "sun", "wed" are left out altogether.
NUMBER_ABBREVIATIONS = frozenset({"no", "nos", "vol"})

# A candidate boundary: terminal punctuation, optional closing quotes/brackets, then whitespace.
_BOUNDARY = re.compile(r"""[.!?…]+['"’”»)\]]*(?=\s+)""")
# What may begin the next sentence: a word starting with a letter (not lower case, checked apart so
# that every script counts) or a digit, maybe after an opening quote/bracket; group 1 is the word.
_NEXT_START = re.compile(r"""\s+['"“‘«(\[]*([^\W_]\w*)""", re.UNICODE)
_WORD_BEFORE = re.compile(r"([\w.]+)$", re.UNICODE)
# How far back from a full stop the word before it is looked for at first: searching from the start of
# the text made each full stop cost the length of the text (11 ms of a 1,000-word article's 13 ms).
_WORD_REACH = 64
# A line and the break that ends it (none for the last line).
_LINE = re.compile(r"([^\r\n]*)(\r\n|\r|\n|\Z)")


def split_paragraphs(text: str) -> list[Paragraph]:
    """One paragraph per line, blank lines included, offsets trimmed of surrounding whitespace. A line
    ends at "\n", "\r\n" or a lone "\r" (old Mac files): a text broken by carriage returns alone
    would otherwise be one line, its headline run into its first sentence."""
    paragraphs: list[Paragraph] = []
    offset = 0
    for index, match in enumerate(_LINE.finditer(text)):
        line = match.group(1)
        stripped_start = len(line) - len(line.lstrip())
        stripped_end = len(line.rstrip())
        if stripped_end > stripped_start:
            start, end = offset + stripped_start, offset + stripped_end
        else:
            start = end = offset
        paragraphs.append(Paragraph(index=index, start=start, end=end))
        offset = match.end()
        if not match.group(2):
            break
    return paragraphs


def _is_abbreviation(text: str, dot_position: int, next_word: str) -> bool:
    """Whether the full stop at `dot_position` belongs to an abbreviation inside the sentence."""
    reach = max(0, dot_position - _WORD_REACH)
    match = _WORD_BEFORE.search(text, reach, dot_position)
    if match and match.start() == reach and reach > 0:  # the word may begin further back: look there
        match = _WORD_BEFORE.search(text, 0, dot_position)
    if not match:
        return False
    word = match.group(1).lower().rstrip(".")
    if word in NUMBER_ABBREVIATIONS:
        return next_word[:1].isdigit()
    if word in ABBREVIATIONS and word not in FINAL_ABBREVIATIONS:
        return True
    dotted = bool(re.fullmatch(r"(\w\.)+\w", word))
    if (word in FINAL_ABBREVIATIONS or dotted) and next_word.lower() in SENTENCE_STARTERS:
        return False
    # Initials ("J. Smith") and dotted acronyms ("U.S.") do not end sentences.
    return word in FINAL_ABBREVIATIONS or (len(word) == 1 and word.isalpha()) or dotted


def _split_line(text: str, start: int, end: int) -> list[tuple[int, int]]:
    pieces: list[tuple[int, int]] = []
    sentence_start = start
    for match in _BOUNDARY.finditer(text, start, end):
        boundary = match.end()
        following = _NEXT_START.match(text, boundary, end)
        if not following or following.group(1)[0].islower():
            continue
        if text[match.start()] == "." and match.group().rstrip("'\"’”»)]") == "." and _is_abbreviation(
            text, match.start(), following.group(1)
        ):
            continue
        pieces.append((sentence_start, boundary))
        sentence_start = boundary
        while sentence_start < end and text[sentence_start].isspace():
            sentence_start += 1
    if sentence_start < end:
        pieces.append((sentence_start, end))
    return pieces


def split_sentences(text: str) -> list[Sentence]:
    """Sentences in reading order; each lies inside one line and has no outer whitespace."""
    sentences: list[Sentence] = []
    for paragraph in split_paragraphs(text):
        if paragraph.end == paragraph.start:
            continue
        for start, end in _split_line(text, paragraph.start, paragraph.end):
            sentences.append(Sentence(len(sentences), start, end, paragraph.index))
    return sentences


# ------------------------------------------------------------------------------- grapheme edges

_JOINER = "\u200d"  # zero-width joiner: binds the characters on both sides (emoji sequences)


def _extends(char: str) -> bool:
    """Whether `char` belongs to the character before it (Unicode's Extend and SpacingMark
    classes, approximately): combining marks, variation selectors, emoji skin tones, the joiner."""
    return (unicodedata.category(char) in ("Mn", "Me", "Mc") or char == _JOINER
            or "\ufe00" <= char <= "\ufe0f" or "\U0001f3fb" <= char <= "\U0001f3ff")


def snap_to_graphemes(text: str, start: int, end: int) -> tuple[int, int]:
    """`start` and `end` moved outwards to the nearest boundaries between user-perceived characters,
    so a span never separates a letter from its combining mark (decomposed "nai\u0308ve") or splits
    an emoji sequence. Spans are cut at word edges; the word pattern keeps the marks inside a word,
    but not one after a punctuation mark or emoji."""
    while 0 < start < len(text) and (_extends(text[start]) or text[start - 1] == _JOINER):
        start -= 1
    while 0 < end < len(text) and (_extends(text[end]) or text[end - 1] == _JOINER):
        end += 1
    return start, end
