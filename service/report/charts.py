"""Plotly figures for the report's figures; `page` embeds them (Plotly's JavaScript once, inline).

Plotly reads a little HTML in labels (`<b>`, `<br>`, entities), so every string from the data goes
through `label` first: a source called `<b>Daily</b>` is shown as written, never interpreted.
"""

from __future__ import annotations

import html
from typing import Any

from framing.service.report.aggregate import GroupRates, LabelRate, ReportData

SHOWN_LINES = 6  # timeline lines drawn at first; the others are one legend click away
FONT = {"family": "system-ui, -apple-system, 'Segoe UI', sans-serif", "size": 13}


def label(text: str) -> str:
    return html.escape(text, quote=False)


def wrapped(text: str, width: int = 18) -> str:
    """A label on short lines (at underscores and spaces), so long names fit under a heatmap column."""
    lines: list[str] = []
    for word in text.replace("_", " ").split(" "):
        if lines and len(lines[-1]) + 1 + len(word) <= width:
            lines[-1] += " " + word
        else:
            lines.append(word)
    return "<br>".join(label(line) for line in lines)


def _layout(figure: Any, title: str, height: int, **extra: Any) -> Any:
    figure.update_layout(title={"text": label(title), "x": 0}, height=height, template="plotly_white", font=FONT,
                         margin={"l": 10, "r": 10, "t": 50, "b": 10}, **extra)
    figure.update_xaxes(automargin=True)
    figure.update_yaxes(automargin=True)
    return figure


def rate_bars(rates: list[LabelRate], title: str) -> Any:
    """Share of documents and of sentences with each label, largest first (top of the chart)."""
    import plotly.graph_objects as go

    ordered = list(reversed(rates))
    names = [label(rate.label) for rate in ordered]
    # Plotly stacks a horizontal group's bars bottom-up: sentences first puts documents on top, as in the legend.
    figure = go.Figure([
        go.Bar(name="sentences", y=names, x=[100 * r.sentence_rate for r in ordered], orientation="h",
               customdata=[r.sentences for r in ordered], marker_color="#f2a541",
               hovertemplate="%{y}: %{x:.1f}% of sentences (%{customdata})<extra></extra>"),
        go.Bar(name="documents", y=names, x=[100 * r.document_rate for r in ordered], orientation="h",
               customdata=[r.documents for r in ordered], marker_color="#3b6fb6",
               hovertemplate="%{y}: %{x:.1f}% of documents (%{customdata})<extra></extra>"),
    ])
    return _layout(figure, title, 120 + 36 * len(rates), barmode="group", xaxis_title="% with the label",
                   legend={"orientation": "h", "y": 1.02, "x": 1, "xanchor": "right", "yanchor": "bottom",
                           "traceorder": "reversed"})


def heatmap_height(rows: int, columns: list[str]) -> int:
    """Room for the rows and for the column names, written at an angle below them."""
    return 190 + 34 * rows + 3 * min(max((len(c) for c in columns), default=0), 18)


def cell_text(rows: int, columns: int) -> str | None:
    """Numbers in the cells while they stay readable; the hover says the same for big grids."""
    return "%{z:.0f}" if rows * columns <= 400 else None


def group_heatmap(groups: GroupRates, title: str) -> Any:
    """Groups down, labels across, the share of each group's documents that have the label."""
    import plotly.graph_objects as go

    names = [f"{label(g)} ({n})" for g, n in zip(groups.groups, groups.documents, strict=True)]
    figure = go.Figure(go.Heatmap(
        z=[[round(100 * rate, 1) for rate in row] for row in groups.rates], x=[wrapped(x) for x in groups.labels],
        y=names, colorscale="Blues", zmin=0, zmax=100, colorbar={"title": {"text": "% of docs"}},
        texttemplate=cell_text(len(names), len(groups.labels)),
        customdata=[[label(x) for x in groups.labels] for _ in names],
        hovertemplate="%{y}<br>%{customdata}: %{z:.1f}% of documents<extra></extra>"))
    figure.update_yaxes(autorange="reversed", type="category")
    figure.update_xaxes(tickangle=-40, type="category")
    return _layout(figure, title, heatmap_height(len(names), groups.labels))


def timeline(groups: GroupRates, period: str) -> Any:
    """One line per technique: the share of each period's documents that have it."""
    import plotly.graph_objects as go

    figure = go.Figure()
    for column, name in enumerate(groups.labels):
        figure.add_trace(go.Scatter(
            x=groups.groups, y=[round(100 * row[column], 1) for row in groups.rates], name=label(name),
            mode="lines+markers", customdata=groups.documents,
            visible=True if column < SHOWN_LINES else "legendonly",
            hovertemplate=f"{label(name)}<br>%{{x}}: %{{y:.1f}}% of %{{customdata}} documents<extra></extra>"))
    # A date axis, not categories: a week or month without documents shows as a gap, not as nothing.
    figure.update_xaxes(type="date", title=f"{period} (from the Monday)" if period == "week" else period)
    return _layout(figure, "Techniques over time (% of documents per " + period + ")", 460,
                   yaxis_title="% of documents", hovermode="closest")


def cooccurrence(data: ReportData) -> Any:
    """Sentences flagged with both techniques; the diagonal counts sentences with the technique at all."""
    import plotly.graph_objects as go

    names = [label(x) for x in data.cooccurrence_labels]
    figure = go.Figure(go.Heatmap(
        z=data.cooccurrence, x=[wrapped(x) for x in data.cooccurrence_labels], y=names,
        colorscale="Purples", colorbar={"title": {"text": "sentences"}}, texttemplate=cell_text(len(names), len(names)),
        customdata=[names for _ in names],
        hovertemplate="%{y} + %{customdata}: %{z} sentence(s)<extra></extra>"))
    figure.update_yaxes(autorange="reversed", type="category")
    figure.update_xaxes(tickangle=-40, type="category")
    return _layout(figure, "Techniques in the same sentence",
                   heatmap_height(len(data.cooccurrence_labels), data.cooccurrence_labels))


def figures(data: ReportData) -> dict[str, Any]:
    """The report's charts by section name; a section without data has none."""
    charts: dict[str, Any] = {}
    if data.techniques:
        charts["techniques"] = rate_bars(data.techniques, "Techniques: share of documents and sentences")
    if data.frames:
        charts["frames"] = rate_bars(data.frames, "Frames: share of documents and sentences")
    if data.technique_groups is not None and data.technique_groups.labels:
        charts["technique_groups"] = group_heatmap(data.technique_groups,
                                                   f"Techniques by {data.technique_groups.field}")
    if data.frame_groups is not None and data.frame_groups.labels:
        charts["frame_groups"] = group_heatmap(data.frame_groups, f"Frames by {data.frame_groups.field}")
    if data.timeline is not None and data.timeline.labels and data.period:
        charts["timeline"] = timeline(data.timeline, data.period)
    if data.cooccurrence_labels:
        charts["cooccurrence"] = cooccurrence(data)
    return charts
