"""SemEval-2023 task 3 writers: the exact file formats, and a round trip through the corpus reader."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from framing.model.schema import Analysis, LabelScore, ModelInfo, SentenceAnalysis, Span
from framing.model.segmentation import split_sentences
from framing.training.readers import read_semeval_folder
from framing.training.semeval_writer import (
    FRAMES_FILE,
    PARAGRAPHS_FILE,
    SPANS_FOLDER,
    check_article_id,
    frames_line,
    paragraph_lines,
    semeval_article_id,
    span_file_name,
    span_lines,
    write_semeval_folder,
)

MODEL = ModelInfo(name="test", version="0")
TEXT = "Headline about the regime\n\nThe corrupt regime lies. Critics object!\n   \nFinal line."


def ls(label: str, score: float) -> LabelScore:
    return LabelScore(label=label, score=score)


def span(text: str, piece: str, label: str, score: float, sentence: int) -> Span:
    start = text.index(piece)
    return Span(start=start, end=start + len(piece), text=piece, label=label, score=score, sentence=sentence)


def analysis_of(text: str, doc_id: str, sentence_techniques: dict[int, list[LabelScore]], spans: list[Span],
                frames: list[LabelScore] = ()) -> Analysis:
    sentences = [
        SentenceAnalysis(index=s.index, start=s.start, end=s.end, techniques=sentence_techniques.get(s.index, []))
        for s in split_sentences(text)
    ]
    return Analysis(id=doc_id, model=MODEL, frames=list(frames), sentences=sentences, spans=spans)


@pytest.fixture
def example() -> Analysis:
    # Sentences: 0 "Headline..." (line 1), 1 "The corrupt regime lies." and 2 "Critics object!" (line 3),
    # 3 "Final line." (line 5); line 2 is empty and line 4 holds only spaces.
    return analysis_of(
        TEXT, "article42",
        sentence_techniques={1: [ls("Loaded_Language", 0.9)], 2: [ls("Doubt", 0.6), ls("Loaded_Language", 0.95)]},
        spans=[span(TEXT, "corrupt regime", "Loaded_Language", 0.9, 1),
               span(TEXT, "regime", "Name_Calling-Labeling", 0.7, 0)],
        frames=[ls("Political", 0.8), ls("Morality", 0.55)],
    )


def test_article_ids_follow_the_task_naming():
    assert semeval_article_id("article813452859") == "813452859"
    assert semeval_article_id("813452859") == "813452859"
    assert semeval_article_id("article") == "article"
    assert semeval_article_id("news-1") == "news-1"
    assert span_file_name("813452859") == "article813452859-labels-subtask-3.txt"
    for bad in ("", "..", "a/b", "a\tb", "a\nb"):
        with pytest.raises(ValueError):
            check_article_id(bad)
    check_article_id("news-1.2")


def test_span_lines_keep_overlapping_spans_in_text_order(example):
    assert span_lines("42", example) == [
        f"42\tName_Calling-Labeling\t{TEXT.index('regime')}\t{TEXT.index('regime') + 6}\n",
        f"42\tLoaded_Language\t{TEXT.index('corrupt')}\t{TEXT.index('corrupt') + 14}\n",
    ]


def test_paragraph_lines_cover_every_non_empty_line_one_based(example):
    assert paragraph_lines("42", example, TEXT) == [
        # Line 1: the span "regime" in the headline; sentence 0 has no technique of its own.
        "42\t1\tName_Calling-Labeling\n",
        # Line 3: two sentences; Loaded_Language at its best score (0.95) comes first; the
        # "corrupt regime" span adds nothing new.
        "42\t3\tLoaded_Language,Doubt\n",
        "42\t5\t\n",
    ]


def test_paragraph_lines_with_windows_newlines_and_no_trailing_newline():
    text = "First line.\r\n\r\nSecond line."
    analysis = analysis_of(text, "7", {1: [ls("Slogans", 0.7)]}, [])
    assert paragraph_lines("7", analysis, text) == ["7\t1\t\n", "7\t3\tSlogans\n"]


def test_frames_line_keeps_the_analysis_order(example):
    assert frames_line("42", example) == "42\tPolitical,Morality\n"
    assert frames_line("42", analysis_of(TEXT, "x", {}, [])) == "42\t\n"


def test_write_folder_rejects_missing_and_repeated_ids(tmp_path, example):
    with pytest.raises(ValueError, match="without an id"):
        write_semeval_folder(tmp_path / "a", [(example.model_copy(update={"id": None}), TEXT)])
    with pytest.raises(ValueError, match="twice"):
        write_semeval_folder(tmp_path / "b", [(example, TEXT), (example.model_copy(update={"id": "42"}), TEXT)])


def test_gold_annotations_round_trip_through_the_task_format(tmp_path, sample_corpus):
    """Write the sample corpus' gold labels as if predicted: the files match the corpus' own."""
    documents = read_semeval_folder(sample_corpus)
    items = []
    for document in documents:
        spans = [Span(start=s.start, end=s.end, text=document.text[s.start:s.end], label=s.technique,
                      score=1.0, sentence=0) for s in document.spans]
        frames = [ls(frame, 1.0) for frame in document.frames or []]
        items.append((analysis_of(document.text, f"article{document.id}", {}, spans, frames), document.text))

    folder = write_semeval_folder(tmp_path / "predicted", items)

    gold_paragraphs = read_rows(sample_corpus / "train-labels-subtask-3.txt")
    assert read_rows(folder / PARAGRAPHS_FILE) == gold_paragraphs
    assert read_rows(folder / FRAMES_FILE) == read_rows(sample_corpus / "train-labels-subtask-2.txt")
    for document in documents:
        name = span_file_name(document.id)
        assert read_rows(folder / SPANS_FOLDER / name) == read_rows(
            sample_corpus / "train-labels-subtask-3-spans" / name)

    # With the texts beside them, the predicted files read back through the corpus reader.
    shutil.copytree(sample_corpus / "train-articles-subtask-3", folder / "predicted-articles-subtask-3")
    again = read_semeval_folder(folder)
    assert [(d.id, d.spans, d.frames) for d in again] == [(d.id, d.spans, d.frames) for d in documents]


def read_rows(path: Path) -> set[tuple]:
    """Rows of a label file; a trailing label list becomes a set, so its order does not matter."""
    rows = set()
    for line in path.read_text(encoding="utf-8").splitlines():
        fields = line.split("\t")
        if len(fields) == 4:  # a span: id, technique, start, end
            rows.add(tuple(fields))
        elif line.strip():
            rows.add((*fields[:-1], frozenset(label for label in fields[-1].split(",") if label)))
    return rows
