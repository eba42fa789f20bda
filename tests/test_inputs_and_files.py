"""The shared input rules (model.inputs), the atomic-write helper (model.files) and
Analyzer.analyze_each: one copy each, used by the API, batch jobs and training."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from framing.model.errors import FramingError
from framing.model.files import atomic_writer, write_atomic
from framing.model.inputs import (
    InputError,
    check_document_id,
    check_text,
    line_document_id,
    new_document_id,
    read_json_lines,
)
from framing.model.schema import Analysis


def test_json_lines_report_each_bad_line_with_its_number_and_carry_on():
    data = b"\xef\xbb\xbf" + json.dumps({"id": "a"}).encode() + b"\n\n"
    data += b'{"broken": \n' + b'"caf\xe9"\n' + b"[1, 2]\n" + json.dumps({"id": "b\u2028c"}).encode() + b"\n"
    lines = list(read_json_lines(io.BytesIO(data)))
    assert [line.number for line in lines] == [1, 3, 4, 5, 6]
    assert lines[0].value == {"id": "a"}  # the byte-order mark is dropped
    assert [line.error.code for line in lines[1:4]] == ["invalid_json", "invalid_utf8", "not_an_object"]
    assert "not valid JSON" in lines[1].error.message and "column" in lines[1].error.message
    assert "not valid UTF-8" in lines[2].error.message and "at byte" in lines[2].error.message
    assert lines[4].value == {"id": "b\u2028c"}  # U+2028 inside a string does not split the line
    assert all(isinstance(line.error, FramingError) for line in lines[1:4])



def test_json_lines_that_python_cannot_build_are_bad_lines_too():
    """Valid JSON can still fail json.loads: an integer past Python's 4,300-digit limit (ValueError) or
    nesting past the recursion limit. Both are a bad line, not an exception out of the reader."""
    data = (b'{"id": ' + b"9" * 5000 + b'}\n' + b"[" * 100_000 + b"]" * 100_000 + b"\n"
            + json.dumps({"id": "ok"}).encode() + b"\n")
    lines = list(read_json_lines(io.BytesIO(data)))
    assert [line.number for line in lines] == [1, 2, 3]
    assert [line.error.code if line.error else None for line in lines] == ["invalid_json", "invalid_json", None]
    assert "4300 digits" in lines[0].error.message and "nested too deeply" in lines[1].error.message
    assert lines[2].value == {"id": "ok"}


@pytest.mark.parametrize(("text", "limit", "code", "words"), [
    (42, None, "not_a_string", "text must be a string"),
    ("  \n ", None, "empty_text", "text is empty"),
    ("\u200b\ufeff ", None, "empty_text", "text is empty"),
    ("😀 ... -", None, "no_words", "no words to analyse"),
    ("x" * 11, 10, "text_too_long", "over the limit of 10 (--max-chars)"),
    ("half \ud800", None, "invalid_text", "unpaired surrogate"),
])
def test_text_rule(text, limit, code, words):
    with pytest.raises(InputError) as raised:
        check_text(text, limit, field="documents.3.text", limit_name="--max-chars")
    assert raised.value.code == code and raised.value.field == "documents.3.text"
    assert words in str(raised.value) == raised.value.message


def test_text_rule_accepts_text_at_the_limit():
    assert check_text("x" * 10, 10) == "x" * 10


@pytest.mark.parametrize(("value", "words"), [
    (True, "non-empty string or an integer"),
    (1.5, "non-empty string or an integer"),
    ("", "non-empty string"),
    ("  ", "non-empty string"),
    (" a", "leading/trailing whitespace"),
    ("a\tb", "a tab or a newline"),
    ("a\x7fb", "control character"),
    ("a\ud800", "surrogate"),
])
def test_document_id_rule_rejects(value, words):
    with pytest.raises(InputError, match=words):
        check_document_id(value)


def test_document_id_rule_accepts_strings_and_integers_and_makes_missing_ids():
    assert check_document_id("article 7") == "article 7"
    assert check_document_id(7) == "7"
    with pytest.raises(InputError, match="over the limit of 3"):
        check_document_id("abcd", max_length=3)
    assert line_document_id("export", 12) == "export-12"
    first, second = new_document_id("fb"), new_document_id("fb")
    assert first.startswith("fb-") and first != second


def test_atomic_write_replaces_whole_files_and_leaves_the_old_one_on_error(tmp_path: Path):
    target = tmp_path / "sub" / "out.txt"
    write_atomic(target, "first\n")
    write_atomic(target, [b"second ", b"version\n"])
    assert target.read_text() == "second version\n"
    with pytest.raises(RuntimeError), atomic_writer(target, "w", encoding="utf-8") as handle:
        handle.write("half")
        raise RuntimeError("crash while writing")
    assert target.read_text() == "second version\n"
    assert sorted(p.name for p in target.parent.iterdir()) == ["out.txt"]  # no temporary left


def test_analyze_each_fails_only_the_bad_document(analyzer):
    good = "The reckless regime keeps lying to brave citizens."
    results = analyzer.analyze_each([good, "   ", good], ["a", "b", "c"])
    assert isinstance(results[0], Analysis) and results[0].id == "a"
    assert isinstance(results[1], Exception) and "empty" in str(results[1])
    assert isinstance(results[2], Analysis) and results[2].id == "c"
    assert results[0].model_dump(exclude={"id"}) == results[2].model_dump(exclude={"id"})
    assert analyzer.analyze_each([]) == []
