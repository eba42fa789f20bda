"""Example sentences from the batch input (`--texts`): an Analysis carries offsets, not the text itself.

Only the documents quoted as examples are kept (a few hundred at most), so reading even a large
input costs one pass and little memory; the texts are read by the batch job's own readers, so the
offsets index exactly the text that was scored.
"""

from __future__ import annotations

from pathlib import Path

from framing.service.report.aggregate import Example, ReportData
from framing.service.report.load import ReportError, find_files, import_duckdb, literal

# No length limit here: a text the batch job refused was never scored, so it is never asked for.
NO_LIMIT = 1 << 40


def examples_without_text(data: ReportData) -> list[Example]:
    return [example for found in data.phrases.values() for phrase in found for example in phrase.examples
            if example.sentence_text is None]


def read_texts(path: Path, wanted: set[str]) -> dict[str, str]:
    """id -> text for the wanted ids, from a batch input: folder of .txt, JSONL, CSV, or Parquet."""
    if not wanted:
        return {}
    if path.suffix.lower() in (".parquet", ".pq") or (path.is_dir() and any(path.rglob("*.parquet"))):
        return _parquet_texts(path, wanted)
    from framing.service.batch.inputs import detect_input_kind, open_records
    from framing.service.batch.options import BatchError

    try:
        kind = detect_input_kind(str(path))
        texts: dict[str, str] = {}
        with open_records(str(path), kind, NO_LIMIT) as records:
            for record in records:
                if record.id in wanted and record.text is not None:
                    texts[record.id] = record.text
                    if len(texts) == len(wanted):
                        break
    except BatchError as error:
        raise ReportError(f"--texts: {error}") from error
    return texts


def _parquet_texts(path: Path, wanted: set[str]) -> dict[str, str]:
    duckdb = import_duckdb()
    _, files = find_files(path)
    ids = ", ".join(literal(i) for i in sorted(wanted))
    with duckdb.connect() as connection:
        try:
            found = connection.execute(
                f"SELECT CAST(id AS VARCHAR), text FROM read_parquet([{', '.join(literal(f) for f in files)}], "
                f"union_by_name = true) WHERE CAST(id AS VARCHAR) IN ({ids})").fetchall()
        except duckdb.Error as error:
            raise ReportError(f"--texts {path}: needs `id` and `text` columns ({str(error).splitlines()[0]})") \
                from error
    return {doc_id: text for doc_id, text in found if isinstance(text, str)}


def quote_sentences(data: ReportData, path: Path) -> tuple[int, int]:
    """Fill the examples' sentences from the input texts; (quoted, not found) example counts."""
    examples = examples_without_text(data)
    texts = read_texts(path, {example.id for example in examples})
    quoted = 0
    for example in examples:
        text = texts.get(example.id)
        if text is None or example.start is None or example.end is None or not 0 <= example.start <= example.end:
            continue
        sentence = text[example.start:example.end]
        if example.span.strip() and example.span.strip() not in sentence:
            continue  # not the text that was scored (an edited input): say nothing rather than misquote
        example.sentence_text = sentence
        quoted += 1
    return quoted, len(examples) - quoted
