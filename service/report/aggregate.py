"""The report's figures, computed by DuckDB from the tables `load` made; plain values out, no HTML.

A document "has" a technique or frame when its Analysis lists it at the document level; a sentence
has one when the sentence's own list does. Rates are shares of documents (or sentences): a corpus
of a million documents comes down to a few hundred numbers here, so drawing stays instant.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from framing.service.report.load import BUILTIN_FIELDS, Corpus, ReportError, quote, sentence_bounds

MAX_GROUPS = 25  # groups drawn per chart (the largest); dates are never cut
TOP_PHRASES = 10  # phrases per technique
EXAMPLES = 3  # example sentences per phrase
TOP_ARTICLES = 20
DATE_FIELD = "date"
PERIODS = ("day", "week", "month")


@dataclass
class LabelRate:
    label: str
    documents: int
    document_rate: float
    sentences: int
    sentence_rate: float


@dataclass
class GroupRates:
    """Per group: its size and, for each label, the share of its documents that have the label."""

    field: str
    groups: list[str]
    documents: list[int]
    labels: list[str]
    rates: list[list[float]]  # rates[group][label]
    total_groups: int


@dataclass
class Example:
    id: str
    sentence: int
    span: str  # the highlighted words as they appear in the text
    sentence_text: str | None = None  # the whole sentence, when the data carry it (or --texts gives it)
    start: int | None = None  # the sentence's offsets in the document's text
    end: int | None = None
    offset: int | None = None  # the span's start in the document's text


@dataclass
class Phrase:
    text: str  # lower-cased, spaces collapsed: how spans are counted together
    count: int
    examples: list[Example]


@dataclass
class Article:
    id: str
    flagged: int
    sentences: int
    techniques: list[tuple[str, int]]  # technique, flagged sentences, most first
    group: str | None


@dataclass
class ReportData:
    source: str
    input_format: str
    skipped: int
    skipped_reasons: dict[str, int]
    documents: int
    sentences: int
    flagged_sentences: int
    fields: list[str]
    by: str | None
    model_versions: dict[str, int]
    operating_points: dict[str, int]
    techniques: list[LabelRate]
    frames: list[LabelRate]
    technique_groups: GroupRates | None = None
    frame_groups: GroupRates | None = None
    period: str | None = None  # the timeline's bucket: day, week or month
    timeline: GroupRates | None = None
    undated: int = 0
    phrases: dict[str, list[Phrase]] = field(default_factory=dict)
    span_totals: dict[str, tuple[int, int]] = field(default_factory=dict)  # technique: word spans, distinct phrases
    cooccurrence_labels: list[str] = field(default_factory=list)
    cooccurrence: list[list[int]] = field(default_factory=list)  # sentences with both; the diagonal: with each
    articles: list[Article] = field(default_factory=list)

    def figures(self) -> dict[str, Any]:
        """Everything but where the data came from: the same corpus in JSONL or Parquet gives equal figures."""
        from dataclasses import asdict

        values = asdict(self)
        for name in ("source", "input_format"):
            values.pop(name)
        return values


def rows(connection: Any, sql: str) -> list[tuple[Any, ...]]:
    return list(connection.execute(sql).fetchall())


def field_column(corpus: Corpus, name: str) -> str:
    """The SQL column for a --by field; an unknown field is a ReportError listing the known ones."""
    if name in BUILTIN_FIELDS and name not in corpus.metadata_fields:
        return quote(name)
    if name in corpus.metadata_fields:
        return quote("meta:" + name)
    known = ", ".join(corpus.fields)
    raise ReportError(f"unknown field {name!r} for --by; the documents carry: {known}")


def pick_period(first: Any, last: Any) -> str:
    """Days for up to two months, weeks for up to two years, months beyond: a readable number of points."""
    days = (last - first).days
    return "day" if days <= 62 else "week" if days <= 731 else "month"


def bucket_sql(period: str) -> str:
    if period == "day":
        return "strftime(d, '%Y-%m-%d')"
    if period == "week":
        return "strftime(date_trunc('week', d), '%Y-%m-%d')"  # the Monday that starts the ISO week
    return "strftime(d, '%Y-%m')"


def aggregate(corpus: Corpus, by: str | None = None, period: str | None = None) -> ReportData:
    connection = corpus.connection
    group_column = field_column(corpus, by) if by else None
    documents, sentences, flagged = rows(connection, """
        SELECT count(*), coalesce(sum(n_sentences), 0), coalesce(sum(flagged), 0) FROM docs
    """)[0]
    data = ReportData(
        source=corpus.source, input_format=corpus.input_format, skipped=corpus.skipped,
        skipped_reasons=dict(sorted(corpus.skipped_reasons.items())), documents=documents, sentences=sentences,
        flagged_sentences=flagged, fields=corpus.fields, by=by,
        model_versions=dict(rows(connection, "SELECT model_version, count(*) FROM docs GROUP BY 1 ORDER BY 2 DESC, 1")),
        operating_points=dict(rows(connection,
                                   "SELECT operating_point, count(*) FROM docs GROUP BY 1 ORDER BY 2 DESC, 1")),
        techniques=label_rates(connection, "techniques", documents, sentences),
        frames=label_rates(connection, "frames", documents, sentences),
    )
    if DATE_FIELD in corpus.metadata_fields:
        add_timeline(corpus, data, period)
    if group_column is not None:
        if by == DATE_FIELD and data.timeline is not None:
            date_buckets = f"(SELECT doc, {bucket_sql(data.period or 'month')} AS grp FROM dated)"
            data.technique_groups = group_rates(connection, by, date_buckets, "techniques", data.techniques, False)
            data.frame_groups = group_rates(connection, by, date_buckets, "frames", data.frames, False)
        else:
            groups = f"(SELECT doc, coalesce(CAST({group_column} AS VARCHAR), '(none)') AS grp FROM docs)"
            data.technique_groups = group_rates(connection, by or "", groups, "techniques", data.techniques, True)
            data.frame_groups = group_rates(connection, by or "", groups, "frames", data.frames, True)
    data.phrases = phrases(connection)
    data.span_totals = {label: (spans, distinct) for label, spans, distinct in rows(connection, """
        SELECT label, sum(n), count(DISTINCT phrase) FROM phrase_texts GROUP BY label ORDER BY label
    """)}
    data.cooccurrence_labels, data.cooccurrence = cooccurrence(connection, [t.label for t in data.techniques])
    data.articles = top_articles(connection, group_column)
    return data


def label_rates(connection: Any, kind: str, documents: int, sentences: int) -> list[LabelRate]:
    """Per label: documents and sentences that have it, most documents first."""
    # Only flagged sentences have techniques, and `sents` holds exactly those; frames need every sentence.
    per_sentence = "SELECT unnest(techniques) AS label FROM sents" if kind == "techniques" else \
        "SELECT unnest(s.frames).label AS label FROM (SELECT unnest(sentences) AS s FROM source)"
    found = rows(connection, f"""
        WITH d AS (SELECT label, count(*) AS n FROM (SELECT unnest({kind}) AS label FROM docs) GROUP BY label),
             s AS (SELECT label, count(*) AS n FROM ({per_sentence}) GROUP BY label)
        SELECT label, coalesce(d.n, 0), coalesce(s.n, 0) FROM d FULL JOIN s USING (label)
        ORDER BY 2 DESC, 3 DESC, label
    """)
    return [LabelRate(label, d, d / documents if documents else 0.0, s, s / sentences if sentences else 0.0)
            for label, d, s in found]


def group_rates(connection: Any, name: str, groups_sql: str, kind: str, overall: list[LabelRate],
                largest_only: bool) -> GroupRates:
    """Label rates per group: the largest MAX_GROUPS groups (largest_only), or every group in order (dates)."""
    sizes = rows(connection, f"SELECT grp, count(*) FROM {groups_sql} GROUP BY grp "
                             f"ORDER BY {'2 DESC, 1' if largest_only else '1'}")
    shown = sizes[:MAX_GROUPS] if largest_only else sizes
    labels = [rate.label for rate in overall]
    counts = {(grp, label): n for grp, label, n in rows(connection, f"""
        SELECT g.grp, t.label, count(*) FROM {groups_sql} g
        JOIN (SELECT doc, unnest({kind}) AS label FROM docs) t USING (doc) GROUP BY ALL
    """)}
    return GroupRates(
        field=name, groups=[grp for grp, _ in shown], documents=[n for _, n in shown], labels=labels,
        rates=[[counts.get((grp, label), 0) / n for label in labels] for grp, n in shown],
        total_groups=len(sizes))


def add_timeline(corpus: Corpus, data: ReportData, period: str | None) -> None:
    """Technique rates per day, week or month of the `date` field (ISO dates; a time after the date is ignored)."""
    connection = corpus.connection
    connection.execute(f"""
        CREATE OR REPLACE TEMP TABLE dated AS
        SELECT doc, d FROM (SELECT doc, try_cast(left(trim({quote('meta:' + DATE_FIELD)}), 10) AS DATE) AS d FROM docs)
        WHERE d IS NOT NULL
    """)
    first, last, count = rows(connection, "SELECT min(d), max(d), count(*) FROM dated")[0]
    data.undated = data.documents - count
    if not count:
        return
    data.period = period or pick_period(first, last)
    buckets = f"(SELECT doc, {bucket_sql(data.period)} AS grp FROM dated)"
    data.timeline = group_rates(connection, DATE_FIELD, buckets, "techniques", data.techniques, False)


def phrases(connection: Any) -> dict[str, list[Phrase]]:
    """Per technique, its most frequent highlighted phrases (word spans), each with a few example sentences."""
    # Spans are counted by exact text first, so only the distinct texts are lower-cased and respaced.
    connection.execute("""
        CREATE OR REPLACE TEMP TABLE phrase_texts AS
        SELECT label, text, n, lower(regexp_replace(trim(text), '\\s+', ' ', 'g')) AS phrase
        FROM (SELECT label, text, count(*) AS n FROM spans WHERE unit = 'words' AND trim(text) <> '' GROUP BY ALL)
    """)
    connection.execute(f"""
        CREATE OR REPLACE TEMP TABLE top_phrases AS
        SELECT label, phrase, n FROM (
            SELECT label, phrase, sum(n) AS n,
                   row_number() OVER (PARTITION BY label ORDER BY sum(n) DESC, phrase) AS rank
            FROM phrase_texts GROUP BY label, phrase)
        WHERE rank <= {TOP_PHRASES}
    """)
    # The first spans of each top phrase in input order; a few spare ones stand in for repeats in one sentence.
    first = rows(connection, f"""
        SELECT s.label, p.phrase, arg_min((s.doc, s.sentence, s.start, s.text), (s.doc, s.sentence, s.start),
                                          {3 * EXAMPLES})
        FROM spans s JOIN (SELECT label, text, phrase FROM phrase_texts JOIN top_phrases USING (label, phrase)) p
             USING (label, text)
        WHERE s.unit = 'words' GROUP BY ALL
    """)
    picked: list[tuple[str, str, int, int, int, str]] = []
    for label, phrase, found in first:
        seen: set[tuple[int, int]] = set()
        for doc, sentence, offset, text in sorted(found, key=lambda span: span[:3]):
            if (doc, sentence) not in seen and len(seen) < EXAMPLES:
                seen.add((doc, sentence))
                picked.append((label, phrase, doc, sentence, offset, text))
    chosen = {row[2] for row in picked}
    listed = ", ".join(str(doc) for doc in sorted(chosen)) or "NULL"
    ids = dict(rows(connection, f"SELECT doc, id FROM docs WHERE doc IN ({listed})"))
    bounds = sentence_bounds(connection, chosen)
    whole = {(doc, sentence): text for doc, sentence, text in rows(connection, f"""
        SELECT doc, sentence, min(text) FROM spans WHERE unit = 'sentence'
        AND doc IN ({listed}) GROUP BY ALL
    """)}
    examples: dict[tuple[str, str], list[Example]] = {}
    for label, phrase, doc, sentence, offset, text in picked:
        start, end = bounds.get((doc, sentence), (None, None))
        examples.setdefault((label, phrase), []).append(
            Example(ids[doc], sentence, text, whole.get((doc, sentence)), start, end, offset))
    result: dict[str, list[Phrase]] = {}
    for label, phrase, count in rows(connection, "SELECT * FROM top_phrases ORDER BY label, n DESC, phrase"):
        result.setdefault(label, []).append(Phrase(phrase, count, examples.get((label, phrase), [])))
    return result


def cooccurrence(connection: Any, order: list[str]) -> tuple[list[str], list[list[int]]]:
    """Sentences flagged with both techniques of each pair (the diagonal: sentences with the technique)."""
    # Each sentence's list against itself, without a join: a pair per (label, other label) in the sentence.
    pairs = {(a, b): n for a, b, n in rows(connection, """
        SELECT a, b, count(*) FROM (
            SELECT a, unnest(techniques) AS b FROM (SELECT unnest(techniques) AS a, techniques FROM sents))
        GROUP BY ALL
    """)}
    labels = [label for label in order if (label, label) in pairs]
    return labels, [[pairs.get((a, b), 0) for b in labels] for a in labels]


def top_articles(connection: Any, group_column: str | None) -> list[Article]:
    """The documents with the most sentences flagged with any technique."""
    group = f"CAST(docs.{group_column} AS VARCHAR)" if group_column else "NULL"
    found = rows(connection, f"""
        SELECT doc, id, flagged, n_sentences, {group} FROM docs WHERE flagged > 0
        ORDER BY flagged DESC, flagged / greatest(n_sentences, 1) DESC, doc LIMIT {TOP_ARTICLES}
    """)
    if not found:
        return []
    chosen = ", ".join(str(row[0]) for row in found)
    per_doc: dict[int, list[tuple[str, int]]] = {}
    for doc, label, n in rows(connection, f"""
        SELECT doc, label, count(*) FROM (SELECT doc, unnest(techniques) AS label FROM sents WHERE doc IN ({chosen}))
        GROUP BY ALL ORDER BY doc, 3 DESC, label
    """):
        per_doc.setdefault(doc, []).append((label, n))
    return [Article(doc_id, n, total, per_doc.get(doc, []), grp) for doc, doc_id, n, total, grp in found]

