"""What input the project accepts, decided once for the API, batch jobs and training data.

Three rules live here so that a document acceptable to one entry point is acceptable to all:

- `read_json_lines`: JSON Lines decoded line by line, with line numbers, so one bad line (not
  UTF-8, not JSON, not an object) is reported on its own instead of stopping the file;
- `check_text`: what text may be scored (a string with some word in it, not over a length limit,
  encodable as UTF-8);
- `check_document_id` / `line_document_id` / `new_document_id`: what a document id may be (it ends
  up in tab-separated SemEval files, file names and JSON answers) and how a missing one is made.

Each problem is an `InputError` carrying the field it concerns, a short code and a message, so
callers choose a status or an error file line without parsing the message.
"""

from __future__ import annotations

import codecs
import json
import unicodedata
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from framing.model.errors import FramingError


class InputError(FramingError, ValueError):
    """One input value that is not acceptable; `str(error)` is the message alone."""

    def __init__(self, field: str, code: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.code = code
        self.message = message


# ------------------------------------------------------------------------------------- JSON Lines


@dataclass(frozen=True)
class JsonLine:
    """One non-blank line of a JSON Lines stream: its object, or why it has none."""

    number: int  # 1-based line number in the stream
    value: dict[str, Any] | None = None
    error: InputError | None = None


def read_json_lines(stream: Iterable[bytes]) -> Iterator[JsonLine]:
    """Each non-blank line as a JSON object, or the reason it is not one; the stream continues.

    Works on bytes split at b"\\n" only: str.splitlines would also split on U+2028 and friends,
    which JSON allows raw inside strings. A leading byte-order mark (spreadsheet and Windows
    exports) is dropped.
    """
    for number, raw in enumerate(stream, start=1):
        if number == 1:
            raw = raw.removeprefix(codecs.BOM_UTF8)
        if not raw.strip():
            continue
        try:
            line = raw.decode("utf-8")
        except UnicodeDecodeError as error:
            yield JsonLine(number, error=InputError(
                "line", "invalid_utf8", f"not valid UTF-8 ({error.reason} at byte {error.start})"))
            continue
        try:
            value = json.loads(line)
        except json.JSONDecodeError as error:
            yield JsonLine(number, error=InputError(
                "line", "invalid_json", f"not valid JSON ({error.msg} at column {error.colno})"))
            continue
        except (ValueError, RecursionError) as error:  # valid JSON that Python will not build: bad record too
            reason = "nested too deeply" if isinstance(error, RecursionError) else str(error).split(";")[0]
            yield JsonLine(number, error=InputError("line", "invalid_json", f"cannot be read ({reason})"))
            continue
        if not isinstance(value, dict):
            yield JsonLine(number, error=InputError(
                "line", "not_an_object", f"expected a JSON object, got {type(value).__name__}"))
            continue
        yield JsonLine(number, value=value)


# ------------------------------------------------------------------------------------------ text


def is_valid_utf8(value: str) -> bool:
    """False for strings holding lone surrogates (JSON can carry "\\ud800"; no real text holds one)."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def nothing_to_analyse(text: str) -> tuple[str, str] | None:
    """(code, message) when the text holds no word to score, else None. Blank includes the invisible
    format characters (zero-width space, byte-order mark) that `str.strip` keeps; a text of emoji or
    punctuation alone has no word either, and the model would otherwise answer it with confident
    frames read from nothing."""
    if all(c.isspace() or unicodedata.category(c) == "Cf" for c in text):
        return "empty_text", "text is empty"
    if not any(c.isalnum() for c in text):
        return "no_words", "text has no words to analyse (no letter or digit)"
    return None


def check_text(text: Any, max_chars: int | None = None, field: str = "text",
               limit_name: str | None = None) -> str:
    """The text if it may be scored, else an InputError (codes: not_a_string, empty_text, no_words,
    text_too_long, invalid_text). `limit_name` names the setting behind `max_chars` in the message."""
    if not isinstance(text, str):
        raise InputError(field, "not_a_string", f"text must be a string, not {type(text).__name__}")
    # Length first: it costs nothing, and an over-long text is refused before it is scanned.
    if max_chars is not None and len(text) > max_chars:
        setting = f" ({limit_name})" if limit_name else ""
        raise InputError(field, "text_too_long",
                         f"text has {len(text):,} characters, over the limit of {max_chars:,}{setting}")
    problem = nothing_to_analyse(text)
    if problem:
        raise InputError(field, *problem)
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as error:
        raise InputError(field, "invalid_text", f"text contains an unpaired surrogate at position "
                                                f"{error.start} (not encodable as UTF-8)") from None
    return text


# ------------------------------------------------------------------------------------ document ids


def check_document_id(value: Any, field: str = "id", max_length: int | None = None) -> str:
    """The id as a string (integers are accepted: annotation tools number their tasks).

    Ids end up in tab-separated SemEval label files, in file names and in JSON, so they may not be
    blank, carry whitespace at either end or any control character (tab, newline, ...), or hold
    lone surrogates.
    """
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str):
        raise InputError(field, "invalid_id",
                         f"id must be a non-empty string or an integer, not {type(value).__name__}")
    if not value.strip():
        raise InputError(field, "invalid_id", f"id must be a non-empty string, got {value!r}")
    if value != value.strip() or any(ord(c) < 32 or ord(c) == 127 for c in value):
        raise InputError(field, "invalid_id", f"id {value!r} has leading/trailing whitespace, a tab or a "
                                              f"newline, or another control character")
    if not is_valid_utf8(value):
        raise InputError(field, "invalid_id", f"id {value!r} contains unpaired surrogate code points")
    if max_length is not None and len(value) > max_length:
        raise InputError(field, "invalid_id", f"id has {len(value)} characters, over the limit of {max_length}")
    return value


def line_document_id(source_name: str, line: int) -> str:
    """The id of a record that has none: where it came from (`<file stem>-<line>`), so it is stable."""
    return f"{source_name}-{line}"


def new_document_id(prefix: str) -> str:
    """A fresh id for a document with no source position (a correction sent to the API)."""
    return f"{prefix}-{uuid.uuid4().hex}"
