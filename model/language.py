"""Which language a text is in, so a non-English text is scored with a warning rather than silently.

The model was trained on English news: on German or Arabic text it still returns frames and
techniques, and they mean little. `py3langid` (BSD-3-Clause, a maintained fork of langid.py) ships
its naive Bayes model inside the package, so detection needs no download; the model is read once (about
0.4 s, in the background from `Analyzer.load`) and kept.

Inside an English text, sentences written in another script (a pasted line of Cyrillic or Arabic)
are found by their letters alone (`foreign_script_sentences`: too short for langid, and no guess is
needed): decoding leaves them unscored and warns.
"""

from __future__ import annotations

import re
import threading
import unicodedata
from collections import Counter
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from framing.model.schema import AnalysisWarning

if TYPE_CHECKING:
    from framing.model.scores import PreparedText

NOT_ENGLISH = "not_english"
# Below this many letters langid's guesses are unreliable (a name, a number, a one-word title).
MIN_LETTERS = 40
# Only a confident guess warns: mixed or English-heavy text stays quiet.
MIN_CONFIDENCE = 0.75
# The opening of a long text says which language it is in; scoring all of it would cost time.
SAMPLE_CHARS = 5000
NAMES = {
    "ar": "Arabic", "de": "German", "es": "Spanish", "fa": "Persian", "fr": "French", "he": "Hebrew",
    "it": "Italian", "nl": "Dutch", "pl": "Polish", "pt": "Portuguese", "ru": "Russian", "tr": "Turkish",
    "uk": "Ukrainian", "zh": "Chinese", "ja": "Japanese", "ko": "Korean", "el": "Greek", "sv": "Swedish",
}

_identifier: Any = None
_lock = threading.Lock()


def _get_identifier() -> Any:
    global _identifier
    with _lock:
        if _identifier is None:
            from py3langid.langid import MODEL_FILE, LanguageIdentifier

            _identifier = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
        return _identifier


def warm_up() -> None:
    """Read the detector's model in a background thread (about 0.4 s of decompression, mostly
    outside the GIL), so it is ready by the time the network has scored the first text."""
    threading.Thread(target=_get_identifier, name="language-model", daemon=True).start()


def detect(text: str) -> tuple[str, float] | None:
    """(ISO 639-1 code, confidence) of the text's language, or None when the text is too short to tell."""
    sample = text[:SAMPLE_CHARS]
    if sum(character.isalpha() for character in sample) < MIN_LETTERS:
        return None
    language, confidence = _get_identifier().classify(sample)
    return str(language), float(confidence)


def language_warnings(text: str) -> list[AnalysisWarning]:
    """A `not_english` warning when the text is confidently in another language; else nothing."""
    found = detect(text)
    if found is None:
        return []
    language, confidence = found
    if language == "en" or confidence < MIN_CONFIDENCE:
        return []
    name = NAMES.get(language, f"language '{language}'")
    return [AnalysisWarning(
        code=NOT_ENGLISH,
        message=f"The text looks like {name} (confidence {confidence:.2f}), not English. The model was "
                f"trained on English news: its frames and techniques for this text are unreliable.",
    )]


FOREIGN_SCRIPT = "foreign_script"
_NON_ASCII = re.compile(r"[^\x00-\x7f]")


def _script(character: str) -> str:
    """The script of a letter, as the first word of its Unicode name ("LATIN", "CYRILLIC", "CJK")."""
    return unicodedata.name(character, "UNKNOWN").split(" ", 1)[0]


def foreign_script_sentences(text: str, bounds: Sequence[tuple[int, int]]) -> tuple[list[bool], list[str]]:
    """Which sentences (`bounds`: start, end) are written mostly in another script than Latin, in a text
    written mostly in Latin, and the names of those scripts, most frequent first.

    An English article pasted from a web page can carry a line of Cyrillic or Arabic boilerplate
    ("report a spelling mistake"); the English model's scores there are noise (it marked such a
    line as Repetition), so decoding leaves those sentences unscored and the Analysis says so. A text
    mostly in another script is left to the `not_english` warning and scored as before.
    """
    if not any(c.isalpha() and not _is_latin(c) for c in _NON_ASCII.findall(text)):  # the common case, fast
        return [False] * len(bounds), []
    counts = [(sum(c.isalpha() for c in text[a:b]), sum(_is_latin(c) for c in text[a:b])) for a, b in bounds]
    letters, latin = sum(n for n, _ in counts), sum(k for _, k in counts)
    if letters == 0 or latin * 2 < letters:
        return [False] * len(bounds), []
    foreign = [n > 0 and k * 2 < n for n, k in counts]
    scripts = Counter(_script(c) for (a, b), flag in zip(bounds, foreign, strict=True) if flag
                      for c in text[a:b] if c.isalpha() and not _is_latin(c))
    return foreign, [name.title() if name != "CJK" else name for name, _ in scripts.most_common()]


def scored_part(prepared: PreparedText) -> str:
    """The text without its sentences in another script (`PreparedText.foreign_script`): what the
    `not_english` check should judge, since those sentences are already reported and not scored."""
    foreign, _ = prepared.foreign_script()
    if not any(foreign):
        return prepared.text
    return " ".join(prepared.text[s.start:s.end] for s, flag in zip(prepared.sentences, foreign, strict=True)
                    if not flag)


def _is_latin(character: str) -> bool:
    if character.isascii():
        return character.isalpha()
    return character.isalpha() and _script(character) == "LATIN"


def foreign_script_warning(sentences: int, scripts: Sequence[str]) -> AnalysisWarning:
    named = " and ".join(scripts[:2]) if scripts else "another script"
    which = "sentence is" if sentences == 1 else "sentences are"
    return AnalysisWarning(
        code=FOREIGN_SCRIPT,
        message=f"{sentences} {which} written in {named} script, not Latin; the model reads English, so "
                f"no technique or frame was scored there.")
