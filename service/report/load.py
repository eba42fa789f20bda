"""Batch output into three DuckDB tables (documents, sentences, spans), whichever file format it came in.

JSONL (`framing batch`, or the Ray engine's JSONL) carries one Analysis per line with an optional
`metadata` object; Parquet (the Ray engine) carries one row per document with `id`, `model_version`,
`operating_point`, an `analysis` struct and the metadata fields as top-level columns. Both end up in
the same tables, so every figure is computed by one set of queries; DuckDB reads and aggregates a
million rows in seconds, where a Python loop over parsed JSON would take minutes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from framing.model.errors import FramingError
from framing.service.batch.sharded_output import is_bookkeeping

JSONL_SUFFIXES = (".jsonl", ".ndjson", ".jsonlines", ".json")
PARQUET_SUFFIXES = (".parquet", ".pq")
# Columns of the Parquet layout that are not metadata (a `text` column, if the job kept one, is no field to
# group by, and copying every article into the report's tables would cost memory for nothing).
PARQUET_CORE = ("id", "model_version", "operating_point", "analysis", "text")
# Fields every document has besides its metadata, usable with --by as well.
BUILTIN_FIELDS = ("model_version", "operating_point")
# The part of an Analysis the report reads; from_json leaves a field NULL when its type does not match.
ANALYSIS_SHAPE = (
    '{"id": "VARCHAR", "model": {"version": "VARCHAR"}, "operating_point": "VARCHAR",'
    ' "techniques": [{"label": "VARCHAR"}], "frames": [{"label": "VARCHAR"}],'
    ' "sentences": [{"index": "INTEGER", "start": "INTEGER", "end": "INTEGER",'
    ' "techniques": [{"label": "VARCHAR"}], "frames": [{"label": "VARCHAR"}]}],'
    ' "spans": [{"start": "INTEGER", "text": "VARCHAR", "label": "VARCHAR", "sentence": "INTEGER", "unit": "VARCHAR"}]}'
)
# Longest JSON line read (an Analysis of a 100,000-character article is well under this).
MAX_LINE_BYTES = 64 * 1024 * 1024


class ReportError(FramingError):
    """The report cannot be made from this input (the message says what to give instead)."""


@dataclass
class Corpus:
    """The analyses as DuckDB tables `docs`, `sents` and `spans`, and what was skipped on the way in."""

    connection: Any  # duckdb.DuckDBPyConnection; duckdb is imported lazily (an optional extra)
    source: str
    input_format: str  # "jsonl" or "parquet"
    metadata_fields: list[str]
    skipped: int = 0
    skipped_reasons: dict[str, int] = field(default_factory=dict)

    @property
    def fields(self) -> list[str]:
        """Every field --by accepts: the metadata fields (by name), then the model version and operating point."""
        return [*self.metadata_fields, *(f for f in BUILTIN_FIELDS if f not in self.metadata_fields)]


def quote(name: str) -> str:
    """A SQL identifier for any field name from the data."""
    return '"' + name.replace('"', '""') + '"'


def literal(value: str) -> str:
    """A SQL string literal for any text from the data or the command line."""
    return "'" + value.replace("'", "''") + "'"


def scalar(connection: Any, sql: str) -> Any:
    """The one value a query returns."""
    return connection.execute(sql).fetchall()[0][0]


def import_duckdb() -> Any:
    try:
        import duckdb
    except ImportError as error:
        raise ReportError("the report needs DuckDB and Plotly: "
                          "pip install -c constraints.txt -e '.[report]'") from error
    return duckdb


def find_files(path: Path) -> tuple[str, list[str]]:
    """The input's format and its files: one file, or every shard in a folder (Parquet first)."""
    if path.is_dir():
        for input_format, suffixes in (("parquet", PARQUET_SUFFIXES), ("jsonl", JSONL_SUFFIXES)):
            shards = sorted(str(p) for p in path.rglob("*") if p.is_file() and p.suffix.lower() in suffixes
                            and not is_bookkeeping(p.relative_to(path).parts))
            if shards:
                return input_format, shards
        raise ReportError(f"{path}: no .parquet or .jsonl files in this folder")
    if not path.exists():
        raise ReportError(f"{path}: no such file or folder")
    suffix = path.suffix.lower()
    if suffix in PARQUET_SUFFIXES:
        return "parquet", [str(path)]
    if suffix in JSONL_SUFFIXES:
        return "jsonl", [str(path)]
    raise ReportError(f"{path}: cannot tell the format from the name; give `framing batch` output "
                      f"(.jsonl) or Parquet (.parquet, or a folder of .parquet shards)")


def load(path: Path) -> Corpus:
    """Read batch output into DuckDB; records that are not an Analysis are counted and skipped."""
    duckdb = import_duckdb()
    input_format, files = find_files(path)
    connection = duckdb.connect()
    try:
        if input_format == "jsonl":
            corpus = _load_jsonl(connection, str(path), files)
        else:
            corpus = _load_parquet(connection, str(path), files)
        rejected = _flatten(connection, corpus.metadata_fields)
        if input_format == "parquet" and rejected:
            corpus.skipped = rejected
            corpus.skipped_reasons = {"not an Analysis (analysis missing or malformed)": rejected}
        if scalar(connection, "SELECT count(*) FROM docs") == 0:
            raise ReportError(f"{path}: no Analysis in it ({describe_skipped(corpus)}); "
                              f"give the output of `framing batch`")
    except duckdb.Error as error:
        connection.close()
        raise ReportError(f"{path}: cannot read it as {input_format} ({str(error).splitlines()[0]})") from error
    except BaseException:
        connection.close()
        raise
    return corpus


def describe_skipped(corpus: Corpus) -> str:
    if not corpus.skipped:
        return "no record skipped"
    reasons = ", ".join(f"{count} {reason}" for reason, count in sorted(corpus.skipped_reasons.items()))
    return f"{corpus.skipped} record(s) skipped: {reasons}"


# A valid record: the Analysis fields the report reads are there, with the right types, down to each sentence
# and span (from_json turns a wrongly typed value into NULL, so NULL checks catch both).
def valid(a: str) -> str:
    """SQL that is true when the struct `a` holds a usable Analysis."""
    return f"""
        {a}.model.version IS NOT NULL AND {a}.techniques IS NOT NULL AND {a}.frames IS NOT NULL
        AND {a}.sentences IS NOT NULL AND {a}.spans IS NOT NULL
        AND len(list_filter({a}.techniques, lambda x: x.label IS NULL)) = 0
        AND len(list_filter({a}.frames, lambda x: x.label IS NULL)) = 0
        AND len(list_filter({a}.sentences, lambda s: s.index IS NULL OR s.techniques IS NULL OR s.frames IS NULL)) = 0
        AND len(list_filter({a}.spans, lambda s: s.label IS NULL OR s.text IS NULL OR s.sentence IS NULL)) = 0
    """


def _load_jsonl(connection: Any, source: str, files: list[str]) -> Corpus:
    file_list = "[" + ", ".join(literal(f) for f in files) + "]"
    # ignore_errors turns a line that is not JSON (or not UTF-8) into a NULL row, so it is counted, not lost.
    connection.execute(f"""
        CREATE TEMP TABLE raw AS
        SELECT row_number() OVER () AS doc, json_type(json) AS kind,
               CASE WHEN json_type(json) = 'OBJECT' THEN from_json(json, {literal(ANALYSIS_SHAPE)}) END AS a,
               CASE WHEN json_type(json) = 'OBJECT' THEN json -> 'metadata' END AS metadata
        FROM read_ndjson_objects({file_list}, ignore_errors = true, maximum_object_size = {MAX_LINE_BYTES})
    """)
    connection.execute(f"CREATE TEMP TABLE checked AS "
                       f"SELECT *, coalesce(kind = 'OBJECT' AND {valid('a')}, false) AS ok FROM raw")
    reasons = dict(connection.sql("""
        SELECT CASE WHEN kind IS NULL THEN 'not JSON' WHEN kind <> 'OBJECT' THEN 'not a JSON object'
                    ELSE 'not an Analysis (model, techniques, frames, sentences or spans missing or malformed)' END,
               count(*)
        FROM checked WHERE NOT ok GROUP BY ALL
    """).fetchall())
    fields = [row[0] for row in connection.sql("""
        SELECT DISTINCT unnest(json_keys(metadata)) AS key FROM checked
        WHERE ok AND json_type(metadata) = 'OBJECT' ORDER BY key
    """).fetchall()] if _has_metadata(connection) else []
    metadata = "".join(f", metadata ->> {literal(name)} AS {quote('meta:' + name)}" for name in fields)
    connection.execute(f"""
        CREATE TEMP VIEW candidates AS
        SELECT doc, coalesce(a.id, '#' || doc) AS id, a.model.version AS model_version,
               coalesce(a.operating_point, 'precise') AS operating_point,
               a.techniques, a.frames, a.sentences, a.spans {metadata}, ok
        FROM checked
    """)
    return Corpus(connection, source, "jsonl", fields, sum(reasons.values()), reasons)


def _has_metadata(connection: Any) -> bool:
    return bool(scalar(connection, "SELECT count(*) FROM checked WHERE ok AND json_type(metadata) = 'OBJECT'"))


def _load_parquet(connection: Any, source: str, files: list[str]) -> Corpus:
    file_list = "[" + ", ".join(literal(f) for f in files) + "]"
    # A document's key is its file and row: stable across the scans below, with nothing materialised.
    connection.execute(f"""
        CREATE TEMP VIEW raw AS
        SELECT list_position({file_list}, __file) * 4294967296 + file_row_number AS __doc, *
        FROM read_parquet({file_list}, union_by_name = true, filename = '__file', file_row_number = true)
    """)
    columns = {row[0]: row[1] for row in connection.execute("DESCRIBE raw").fetchall()}
    if "analysis" not in columns or not columns["analysis"].startswith("STRUCT"):
        raise ReportError(f"{source}: no `analysis` struct column (columns: {', '.join(columns)}); give the Parquet "
                          f"output of `framing batch --engine ray`")
    fields = sorted(name for name in columns if name not in (*PARQUET_CORE, "__doc", "__file", "file_row_number"))
    metadata = "".join(f", CAST({quote(name)} AS VARCHAR) AS {quote('meta:' + name)}" for name in fields)
    version = "coalesce(model_version, analysis.model.version)" if "model_version" in columns \
        else "analysis.model.version"
    point = "coalesce(operating_point, 'precise')" if "operating_point" in columns else "'precise'"
    row_id = "coalesce(CAST(id AS VARCHAR), '#' || __doc)" if "id" in columns else "'#' || __doc"
    # The struct's own field types are checked the same way as JSON's: a NULL where a value must be is a skip.
    try:
        connection.execute(f"""
            CREATE TEMP VIEW candidates AS
            SELECT __doc AS doc, {row_id} AS id, {version} AS model_version, {point} AS operating_point,
                   analysis.techniques, analysis.frames, analysis.sentences, analysis.spans {metadata},
                   coalesce({valid('analysis')}, false) AS ok
            FROM raw
        """)
    except Exception as error:  # a struct without one of the fields the report reads
        raise ReportError(f"{source}: the `analysis` column lacks a field the report needs "
                          f"({str(error).splitlines()[0]})") from error
    skipped = 0  # counted by _flatten, which checks each row once
    reasons: dict[str, int] = {}
    return Corpus(connection, source, "parquet", fields, skipped, reasons)


def _flatten(connection: Any, fields: list[str]) -> int:
    """The `candidates` view (either format) into the tables every figure is computed from; the rejected count.

    Each record is checked once, here (`ok`); later scans take the accepted documents by key. Labels
    are taken as listed: an Analysis lists each label once per sentence and per document (a
    list_distinct per sentence made the report several times slower on a million documents).

    `sents` holds only the sentences with a technique: most sentences have none, and a row (with its
    frames) per sentence of a large corpus was the slowest part of the report. Sentence rates are
    counted straight from `source` (`aggregate.label_rates`).
    """
    metadata = "".join(f", {quote('meta:' + name)}" for name in fields)
    connection.execute(f"""
        CREATE TEMP TABLE docs AS
        SELECT doc, id, model_version, operating_point,
               list_transform(techniques, lambda x: x.label) AS techniques,
               list_transform(frames, lambda x: x.label) AS frames,
               len(sentences) AS n_sentences,
               len(list_filter(sentences, lambda s: len(s.techniques) > 0)) AS flagged {metadata}, ok
        FROM candidates
    """)
    rejected = scalar(connection, "SELECT count(*) FROM docs WHERE NOT ok")
    connection.execute("DELETE FROM docs WHERE NOT ok")
    connection.execute("CREATE TEMP VIEW source AS SELECT * FROM candidates WHERE doc IN (SELECT doc FROM docs)")
    connection.execute("""
        CREATE TEMP TABLE sents AS
        SELECT doc, s.index AS sentence, s.start AS start, s."end" AS "end",
               list_transform(s.techniques, lambda x: x.label) AS techniques
        FROM (SELECT doc, unnest(sentences) AS s FROM source) WHERE len(s.techniques) > 0
    """)
    connection.execute("""
        CREATE TEMP TABLE spans AS
        SELECT doc, s.sentence AS sentence, s.start AS start, s.label AS label, s.text AS text,
               coalesce(s.unit, 'words') AS unit
        FROM (SELECT doc, unnest(spans) AS s FROM source)
    """)
    return rejected


def sentence_bounds(connection: Any, docs: set[int]) -> dict[tuple[int, int], tuple[int | None, int | None]]:
    """(doc, sentence) -> the sentence's start and end offsets, for the flagged sentences of a few documents."""
    if not docs:
        return {}
    chosen = ", ".join(str(doc) for doc in sorted(docs))
    found = connection.execute(f'SELECT doc, sentence, start, "end" FROM sents WHERE doc IN ({chosen})').fetchall()
    return {(doc, index): (start, end) for doc, index, start, end in found}
