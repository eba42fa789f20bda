"""Terminal rendering of an Analysis: the text with spans highlighted, then a summary."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table
from rich.text import Text

from framing.model.decoding import ASSERTED
from framing.model.schema import Analysis
from framing.model.taxonomy import TECHNIQUES

_PALETTE = ("red", "yellow", "magenta", "cyan", "green", "blue", "bright_red", "bright_magenta",
            "bright_cyan", "bright_green", "orange3", "purple", "gold3", "deep_pink3", "spring_green3",
            "dodger_blue2", "dark_orange", "orchid", "turquoise2", "chartreuse3", "salmon1", "plum2", "khaki3")
STYLES = {name: f"bold {_PALETTE[i % len(_PALETTE)]} underline" for i, name in enumerate(TECHNIQUES)}
# Scores read 0.5 at each label's precise threshold: what scores under it only the sensitive point
# asserts, and is drawn dim (as the page draws it paler).
SURE = ASSERTED


def style_of(label: str, score: float) -> str:
    style = STYLES.get(label, "bold underline")
    return style.replace("bold ", "") + " dim" if score < SURE else style
# Control characters of the text, shown as one visible character each (offsets stay as they are):
# an escape sequence in a pasted text must not restyle the terminal, nor a carriage return overwrite
# the line it ends.
_VISIBLE = {**{code: 0x2400 + code for code in range(0x20) if chr(code) not in "\t\n"},
            ord("\r"): ord(" "), 0x7F: 0x2421, **{code: 0xFFFD for code in range(0x80, 0xA0)}}


def printable(text: str) -> Text:
    """The text as rich shows it: never read as markup ("[sic]" stays), controls made visible."""
    return Text(text.translate(_VISIBLE))


def print_pretty(text: str, analysis: Analysis, console: Console | None = None) -> None:
    console = console or Console()
    for warning in analysis.warnings:
        console.print(Text(f"warning ({warning.code}): {warning.message}", style="bold yellow"))
    body = printable(text)
    # Longer spans first, so nested shorter spans paint over them and stay visible.
    for span in sorted(analysis.spans, key=lambda s: s.start - s.end):
        body.stylize(style_of(span.label, span.score), span.start, span.end)
    console.print(body)
    console.print()
    summary = Table(title="Article", show_header=True)
    summary.add_column("kind")
    summary.add_column("label")
    summary.add_column("score", justify="right")
    for item in analysis.frames:
        summary.add_row("frame", item.label, f"{item.score:.2f}")
    for item in analysis.techniques:
        summary.add_row("technique", Text(item.label, style=STYLES.get(item.label, "")), f"{item.score:.2f}",
                        style="dim" if item.score < SURE else None)
    console.print(summary)
    framed = [s for s in analysis.sentences if s.frames]
    if framed:
        # Only sentences whose own words carry a frame: where in the text each frame comes from.
        sentences = Table(title="Sentence frames", show_header=True)
        for column in ("sentence", "frames", "text"):
            sentences.add_column(column)
        for sentence in framed:
            frames = ", ".join(f"{item.label} {item.score:.2f}" for item in sentence.frames)
            sentences.add_row(str(sentence.index), frames, printable(text[sentence.start:sentence.end]))
        console.print(sentences)
    if analysis.spans:
        tentative = any(span.score < SURE for span in analysis.spans)
        spans = Table(title="Spans", show_header=True,
                      caption="dim: scores under 0.5, which only the sensitive point marks" if tentative else None)
        for column in ("sentence", "technique", "score", "marks", "text"):
            spans.add_column(column)
        for span in analysis.spans:
            # "sentence": no words placed, the whole sentence stands for the claim.
            spans.add_row(str(span.sentence), Text(span.label, style=STYLES.get(span.label, "")),
                          f"{span.score:.2f}", span.unit, printable(span.text),
                          style="dim" if span.score < SURE else None)
        console.print(spans)
