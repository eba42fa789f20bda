"""The terminal view: what only the sensitive point asserts is drawn dim and the table says why."""

from __future__ import annotations

from rich.console import Console

from framing.model.schema import Analysis, ModelInfo, Span
from framing.service.pretty import STYLES, print_pretty, style_of

TEXT = "The thugs and the looters ran."


def spans(*scores: float) -> Analysis:
    placed = [Span(start=4, end=9, text="thugs", label="Name_Calling-Labeling", score=scores[0], sentence=0),
              Span(start=18, end=25, text="looters", label="Loaded_Language", score=scores[1], sentence=0)]
    return Analysis(model=ModelInfo(name="t", version="0"), spans=placed, operating_point="sensitive")


def rendered(analysis: Analysis) -> str:
    console = Console(record=True, width=120, color_system="truecolor")
    print_pretty(TEXT, analysis, console)
    return console.export_text()


def test_spans_under_one_half_are_dim_and_the_table_says_why() -> None:
    assert style_of("Loaded_Language", 0.3).endswith(" dim") and "bold" not in style_of("Loaded_Language", 0.3)
    assert style_of("Loaded_Language", 0.5) == STYLES["Loaded_Language"]
    assert "only the sensitive point marks" in rendered(spans(0.8, 0.3))
    assert "only the sensitive point marks" not in rendered(spans(0.8, 0.6))
