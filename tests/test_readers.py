"""The SemEval-2023 task 3 folder reader: the sample corpus loads, broken corpora fail clearly."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from framing.model.taxonomy import FRAMES, TECHNIQUES
from framing.training.documents import AnnotationError
from framing.training.readers import read_semeval_folder

ARTICLES = "train-articles-subtask-3"
SPANS = "train-labels-subtask-3-spans"
FRAMES_FILE = "train-labels-subtask-2.txt"
PARAGRAPHS_FILE = "train-labels-subtask-3.txt"


def test_sample_corpus_loads(sample_corpus: Path) -> None:
    documents = read_semeval_folder(sample_corpus)
    assert 8 <= len(documents) <= 10
    assert [d.id for d in documents] == sorted(d.id for d in documents)
    used = {span.technique for d in documents for span in d.spans}
    assert {"Loaded_Language", "Name_Calling-Labeling", "Doubt", "Flag_Waving", "Repetition",
            "Appeal_to_Fear-Prejudice", "Exaggeration-Minimisation"} <= used
    assert used <= set(TECHNIQUES)
    for document in documents:
        assert document.text.strip()
        assert document.spans, document.id
        assert document.frames and set(document.frames) <= set(FRAMES)
        assert Path(document.source).name == f"article{document.id}.txt"
        for span in document.spans:
            piece = document.text[span.start : span.end]
            assert piece and piece == piece.strip()
    assert any(not d.text.isascii() for d in documents)


def test_sample_paragraph_labels_agree_with_the_spans(sample_corpus: Path) -> None:
    """The paragraph file holds, for every non-empty line, the techniques whose spans overlap it."""
    expected: dict[tuple[str, int], set[str]] = {}
    for document in read_semeval_folder(sample_corpus):
        offset = 0
        for number, line in enumerate(document.text.split("\n"), start=1):
            start, end = offset, offset + len(line)
            offset = end + 1
            if line.strip():
                expected[(document.id, number)] = {
                    s.technique for s in document.spans if s.start < end and s.end > start
                }
    found: dict[tuple[str, int], set[str]] = {}
    for row in (sample_corpus / PARAGRAPHS_FILE).read_text(encoding="utf-8").splitlines():
        article_id, number, labels = row.split("\t")
        found[(article_id, int(number))] = {label for label in labels.split(",") if label}
    assert found == expected


@pytest.fixture
def corpus(tmp_path: Path, sample_corpus: Path) -> Path:
    """A writable copy of the sample corpus, to break in each test."""
    return Path(shutil.copytree(sample_corpus, tmp_path / "corpus"))


def first_article(corpus: Path) -> tuple[str, Path]:
    path = sorted((corpus / ARTICLES).glob("article*.txt"))[0]
    return re.fullmatch(r"article(.+)\.txt", path.name).group(1), path


def span_file(corpus: Path, article_id: str) -> Path:
    return corpus / SPANS / f"article{article_id}-labels-subtask-3.txt"


def append_line(path: Path, line: str) -> int:
    """Appends one record; returns its 1-based line number."""
    lines = path.read_text(encoding="utf-8").splitlines()
    path.write_text("\n".join([*lines, line]) + "\n", encoding="utf-8")
    return len(lines) + 1


def assert_names(error: pytest.ExceptionInfo[AnnotationError], path: Path, line: int | None) -> None:
    message = str(error.value)
    assert path.name in message
    assert error.value.source == str(path)
    if line is not None:
        assert error.value.line == line
        assert f"{path.name}:{line}:" in message


def test_span_outside_the_text(corpus: Path) -> None:
    article_id, article = first_article(corpus)
    length = len(article.read_text(encoding="utf-8"))
    path = span_file(corpus, article_id)
    line = append_line(path, f"{article_id}\tLoaded_Language\t{length - 3}\t{length + 5}")
    with pytest.raises(AnnotationError, match="outside the text") as error:
        read_semeval_folder(corpus)
    assert_names(error, path, line)


@pytest.mark.parametrize(("start", "end"), [("-1", "4"), ("9", "9"), ("12", "3"), ("a", "7")])
def test_bad_offsets(corpus: Path, start: str, end: str) -> None:
    article_id, _ = first_article(corpus)
    path = span_file(corpus, article_id)
    line = append_line(path, f"{article_id}\tLoaded_Language\t{start}\t{end}")
    with pytest.raises(AnnotationError) as error:
        read_semeval_folder(corpus)
    assert_names(error, path, line)


def test_unknown_technique(corpus: Path) -> None:
    article_id, _ = first_article(corpus)
    path = span_file(corpus, article_id)
    line = append_line(path, f"{article_id}\tLoaded_Langauge\t0\t4")
    with pytest.raises(AnnotationError, match="unknown technique 'Loaded_Langauge'") as error:
        read_semeval_folder(corpus)
    assert_names(error, path, line)


def test_unknown_frame(corpus: Path) -> None:
    path = corpus / FRAMES_FILE
    article_id, _ = first_article(corpus)
    line = append_line(path, f"{article_id}\tEconomic,Economy")
    with pytest.raises(AnnotationError, match="unknown frame 'Economy'") as error:
        read_semeval_folder(corpus)
    assert_names(error, path, line)


def test_span_file_for_a_missing_article(corpus: Path) -> None:
    article_id, _ = first_article(corpus)
    orphan = span_file(corpus, "123456789")
    shutil.copy(span_file(corpus, article_id), orphan)
    orphan.write_text(orphan.read_text(encoding="utf-8").replace(article_id, "123456789"), encoding="utf-8")
    with pytest.raises(AnnotationError, match="123456789") as error:
        read_semeval_folder(corpus)
    assert_names(error, orphan, 1)


def test_empty_span_file_for_a_missing_article(corpus: Path) -> None:
    orphan = span_file(corpus, "123456789")
    orphan.write_text("", encoding="utf-8")
    with pytest.raises(AnnotationError, match="123456789") as error:
        read_semeval_folder(corpus)
    assert_names(error, orphan, None)


def test_span_record_naming_a_missing_article(corpus: Path) -> None:
    article_id, _ = first_article(corpus)
    path = span_file(corpus, article_id)
    line = append_line(path, "123456789\tLoaded_Language\t0\t4")
    with pytest.raises(AnnotationError, match="123456789") as error:
        read_semeval_folder(corpus)
    assert_names(error, path, line)


def test_frames_for_a_missing_article(corpus: Path) -> None:
    path = corpus / FRAMES_FILE
    line = append_line(path, "123456789\tEconomic")
    with pytest.raises(AnnotationError, match="123456789") as error:
        read_semeval_folder(corpus)
    assert_names(error, path, line)


@pytest.mark.parametrize(
    "record",
    ["{id}\tLoaded_Language\t0", "{id}\tLoaded_Language\t0\t4\textra", "{id} Loaded_Language 0 4"],
)
def test_bad_field_count_in_a_span_file(corpus: Path, record: str) -> None:
    article_id, _ = first_article(corpus)
    path = span_file(corpus, article_id)
    line = append_line(path, record.format(id=article_id))
    with pytest.raises(AnnotationError, match="fields") as error:
        read_semeval_folder(corpus)
    assert_names(error, path, line)


def test_bad_field_count_in_the_frames_file(corpus: Path) -> None:
    path = corpus / FRAMES_FILE
    article_id, _ = first_article(corpus)
    line = append_line(path, f"{article_id}\tEconomic\tPolitical")
    with pytest.raises(AnnotationError, match="fields") as error:
        read_semeval_folder(corpus)
    assert_names(error, path, line)


def test_article_not_utf8(corpus: Path) -> None:
    _, article = first_article(corpus)
    article.write_bytes("Headline\n\nCaf\u00e9 owners protest\n".encode("latin-1"))
    with pytest.raises(AnnotationError, match="UTF-8") as error:
        read_semeval_folder(corpus)
    assert_names(error, article, 3)


def test_span_file_not_utf8(corpus: Path) -> None:
    article_id, _ = first_article(corpus)
    path = span_file(corpus, article_id)
    path.write_bytes(path.read_bytes() + b"\xff\xfe\n")
    with pytest.raises(AnnotationError, match="UTF-8") as error:
        read_semeval_folder(corpus)
    assert_names(error, path, len(path.read_bytes().splitlines()))


def test_missing_folder_and_empty_articles_folder(tmp_path: Path) -> None:
    with pytest.raises(AnnotationError, match="does not exist"):
        read_semeval_folder(tmp_path / "nowhere")
    (tmp_path / ARTICLES).mkdir()
    with pytest.raises(AnnotationError, match=r"article<ID>\.txt"):
        read_semeval_folder(tmp_path)


def test_crlf_article_keeps_offsets(corpus: Path) -> None:
    """Article bytes are read as stored: offsets count the \\r of CRLF files, as the task's do."""
    article_id, article = first_article(corpus)
    text = "Headline here\r\n\r\nThey called it a disgrace.\r\n"
    article.write_bytes(text.encode("utf-8"))
    start = text.index("a disgrace")
    span_file(corpus, article_id).write_text(f"{article_id}\tLoaded_Language\t{start}\t{start + 10}\n")
    document = {d.id: d for d in read_semeval_folder(corpus)}[article_id]
    assert document.text == text
    assert document.text[document.spans[0].start : document.spans[0].end] == "a disgrace"
