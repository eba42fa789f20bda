"""The report as one HTML file: figures, tables and Plotly's JavaScript inline, so it opens offline.

Every string from the data is escaped here (`esc`); chart labels are escaped in `charts`.
"""

from __future__ import annotations

import html
from pathlib import Path

from framing.model.files import write_atomic
from framing.service.report import charts
from framing.service.report.aggregate import Article, Example, Phrase, ReportData

STYLE = """
body { font-family: system-ui, -apple-system, 'Segoe UI', sans-serif; margin: 0 auto; max-width: 1100px;
       padding: 1rem 1.5rem 3rem; color: #1f2933; line-height: 1.45; }
h1 { margin-bottom: .2rem; } h2 { margin-top: 2.5rem; border-bottom: 1px solid #d9e2ec; padding-bottom: .2rem; }
.summary { display: flex; flex-wrap: wrap; gap: .8rem; margin: 1rem 0; }
.summary div { background: #f0f4f8; border-radius: 6px; padding: .5rem .9rem; }
.summary b { display: block; font-size: 1.4rem; }
.note { color: #52606d; font-size: .92rem; }
.warn { background: #fff4e5; border-left: 4px solid #f0a020; padding: .5rem .8rem; }
table { border-collapse: collapse; width: 100%; margin: .5rem 0 1rem; font-size: .93rem; }
th, td { text-align: left; vertical-align: top; padding: .3rem .5rem; border-bottom: 1px solid #e4e7eb; }
th { background: #f5f7fa; } td.n { text-align: right; white-space: nowrap; }
mark { background: #ffe08a; padding: 0 .1rem; } .example { margin: 0 0 .2rem; }
details { margin: .3rem 0; } summary { cursor: pointer; font-weight: 600; }
code { background: #f0f4f8; padding: 0 .2rem; border-radius: 3px; }
"""


CONTEXT = 160  # characters of an example sentence kept on each side of the span


def plural(count: int, noun: str) -> str:
    return f"{count:,} {noun}" + ("" if count == 1 else "s")


def esc(value: object) -> str:
    return html.escape(str(value), quote=True)


def percent(share: float) -> str:
    return f"{100 * share:.1f}%"


def render(data: ReportData) -> str:
    """The whole page; Plotly's library goes inline with the first chart only."""
    figures = charts.figures(data)
    embedded = False

    def chart(name: str) -> str:
        nonlocal embedded
        figure = figures.get(name)
        if figure is None:
            return ""
        fragment = figure.to_html(full_html=False, include_plotlyjs=not embedded, div_id=f"chart-{name}",
                                  config={"displaylogo": False, "responsive": True})
        embedded = True
        return f'<div class="chart">{fragment}</div>'

    parts = [section("summary", header(data)), section("techniques", f"<h2>Techniques</h2>{chart('techniques')}"),
             section("frames", f"<h2>Frames</h2>{chart('frames')}")]
    if data.technique_groups is not None:
        parts.append(section("groups", groups_section(data, chart("technique_groups") + chart("frame_groups"))))
    parts.append(section("timeline", timeline_section(data, chart("timeline"))))
    parts.append(section("cooccurrence", "<h2>Techniques that occur together</h2>"
                         '<p class="note">Sentences flagged with both techniques; the diagonal counts the sentences '
                         "flagged with each.</p>"
                         + (chart("cooccurrence") or "<p>No sentence is flagged with a technique.</p>")))
    parts.append(section("phrases", phrases_section(data.phrases, data.span_totals)))
    parts.append(section("articles", articles_section(data)))
    title = f"Corpus report: {data.source}"
    return ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
            f"<title>{esc(title)}</title><style>{STYLE}</style></head><body>\n"
            + "\n".join(parts) + "\n</body></html>\n")


def section(name: str, body: str) -> str:
    return f'<section id="{name}">{body}</section>'


def header(data: ReportData) -> str:
    versions = ", ".join(f"{esc(v)} ({n})" for v, n in data.model_versions.items())
    points = ", ".join(f"{esc(p)} ({n})" for p, n in data.operating_points.items())
    flagged = data.flagged_sentences / data.sentences if data.sentences else 0.0
    out = [f"<h1>Corpus report</h1><p class=\"note\">{esc(Path(data.source).name)} ({esc(data.input_format)})</p>",
           '<div class="summary">',
           f"<div><b>{data.documents:,}</b>documents</div>",
           f"<div><b>{data.sentences:,}</b>sentences</div>",
           f"<div><b>{data.flagged_sentences:,}</b>sentences with a technique ({percent(flagged)})</div>",
           f"<div><b>{len(data.techniques)}</b>techniques found</div>", "</div>",
           f"<p>Model version: {versions}. Operating point: {points}.</p>"]
    if len(data.model_versions) > 1 or len(data.operating_points) > 1:
        out.append('<p class="warn">The documents were scored by more than one model version or operating point: '
                   'their rates are not comparable. Use <code>--by model_version</code> or '
                   '<code>--by operating_point</code> to see them apart.</p>')
    if data.skipped:
        reasons = "; ".join(f"{n} {esc(reason)}" for reason, n in data.skipped_reasons.items())
        out.append(f'<p class="warn">{data.skipped:,} record(s) skipped: {reasons}.</p>')
    fields = ", ".join(f"<code>{esc(f)}</code>" for f in data.fields)
    out.append(f'<p class="note">A document has a technique or frame when its Analysis lists it; a sentence when '
               f'the sentence\'s own list does. Fields for <code>--by</code>: {fields}.</p>')
    return "\n".join(out)


def groups_section(data: ReportData, charts_html: str) -> str:
    groups = data.technique_groups
    assert groups is not None
    cut = ""
    if len(groups.groups) < groups.total_groups:
        cut = f" The {len(groups.groups)} largest of {groups.total_groups:,} groups are shown."
    return (f'<h2>By {esc(groups.field)}</h2><p class="note">Share of each group\'s documents '
            f"(document count in brackets) that have each label.{cut}</p>{charts_html}")


def timeline_section(data: ReportData, chart_html: str) -> str:
    head = '<h2>Over time</h2>'
    if data.timeline is None:
        reason = ("the documents carry no <code>date</code> field" if "date" not in data.fields
                  else "no document has an ISO date (YYYY-MM-DD) in its <code>date</code> field")
        return f'{head}<p class="note">No timeline: {reason}.</p>'
    undated = (f" {data.undated:,} document(s) without an ISO date are left out." if data.undated else "")
    return (f'{head}<p class="note">By {esc(data.period)}, from the <code>date</code> field; click the legend '
            f"to show more techniques.{undated}</p>{chart_html}")


def example_html(example: Example) -> str:
    where = f"{esc(example.id)}, sentence {example.sentence + 1}"
    sentence, span = example.sentence_text, example.span
    at = -1 if example.offset is None or example.start is None else example.offset - example.start
    if sentence and (at < 0 or sentence[at:at + len(span)] != span):
        at = sentence.find(span)  # offsets unknown or not this text's: the first occurrence
    if sentence and at >= 0:
        before, after = sentence[:at], sentence[at + len(span):]
        if len(before) > CONTEXT:  # a long sentence: enough words around the span to read it
            before = "…" + before[-CONTEXT:].split(" ", 1)[-1]
        if len(after) > CONTEXT:
            after = after[:CONTEXT].rsplit(" ", 1)[0] + "…"
        quoted = f"{esc(before)}<mark>{esc(span)}</mark>{esc(after)}"
    else:
        quoted = f"… <mark>{esc(example.span)}</mark> …"
    return f'<p class="example">{quoted} <span class="note">({where})</span></p>'


def phrases_section(phrases: dict[str, list[Phrase]], totals: dict[str, tuple[int, int]]) -> str:
    out = ['<h2>Most frequent highlighted words and phrases</h2>',
           '<p class="note">Per technique, the placed spans counted together when they match ignoring case and '
           'spacing, with up to three examples each (whole sentences with <code>--texts</code>, the batch input).</p>']
    if not phrases:
        out.append("<p>No span was placed.</p>")
    ordered = sorted(phrases.items(), key=lambda item: (-totals.get(item[0], (0, 0))[0], item[0]))
    for index, (technique, found) in enumerate(ordered):
        spans, distinct = totals.get(technique, (sum(p.count for p in found), len(found)))
        rows = "".join(f"<tr><td>{esc(p.text)}</td><td class=\"n\">{p.count:,}</td>"
                       f"<td>{''.join(example_html(e) for e in p.examples)}</td></tr>" for p in found)
        opened = " open" if index < 3 else ""
        out.append(f"<details{opened}><summary>{esc(technique)}: {plural(spans, 'span')}, "
                   f"{plural(distinct, 'distinct phrase')}</summary>"
                   f"<table><thead><tr><th>phrase</th><th>spans</th><th>examples</th></tr></thead>"
                   f"<tbody>{rows}</tbody></table></details>")
    return "\n".join(out)


def technique_list(article: Article) -> str:
    return ", ".join(f"{esc(name)} ({n})" for name, n in article.techniques)


def articles_section(data: ReportData) -> str:
    out = ['<h2>Articles with the most flagged sentences</h2>']
    if not data.articles:
        return out[0] + "<p>No sentence is flagged with a technique.</p>"
    group = f"<th>{esc(data.by)}</th>" if data.by else ""
    out.append(f"<table><thead><tr><th>id</th>{group}<th>flagged</th><th>sentences</th><th>share</th>"
               "<th>techniques (flagged sentences)</th></tr></thead><tbody>")
    for article in data.articles:
        cell = f"<td>{esc(article.group if article.group is not None else '(none)')}</td>" if data.by else ""
        share = article.flagged / article.sentences if article.sentences else 0.0
        out.append(f"<tr><td>{esc(article.id)}</td>{cell}<td class=\"n\">{article.flagged:,}</td>"
                   f"<td class=\"n\">{article.sentences:,}</td><td class=\"n\">{percent(share)}</td>"
                   f"<td>{technique_list(article)}</td></tr>")
    out.append("</tbody></table>")
    return "\n".join(out)


def write(data: ReportData, path: Path) -> None:
    """Write the page through a temporary file, so a reader never sees half a report."""
    write_atomic(path, render(data))
    path.chmod(0o644)  # a page to share or serve, not a private file (the temporary file was 0600)
