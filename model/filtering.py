"""Narrowing an `Analysis` to some techniques and a minimum score, the same way in every list.

The API's `options` and the CLI's flags both come here, so "show me only Loaded_Language above
0.7" means the same thing for the article's techniques, each sentence's techniques and the spans.

- `techniques`: keep only these technique labels (article list, sentence lists, spans). Frames
  are not techniques and are left alone by this filter.
- `min_score`: drop every label and span scoring below it, frames included.
- `sentences=False`: leave out the per-sentence breakdown (spans keep their `sentence` index).

Every list stays in the order the model gave it (highest score first), so filtering never
reorders anything; it only removes entries.
"""

from __future__ import annotations

from collections.abc import Iterable

from framing.model.errors import FramingError
from framing.model.schema import Analysis, LabelScore, SentenceAnalysis
from framing.model.taxonomy import TECHNIQUE_INDEX, TECHNIQUES, closest_label


class UnknownLabelError(FramingError, ValueError):
    """A technique name that is not in the taxonomy (a typo would otherwise silently match nothing);
    the message suggests the closest known name, so the fix needs no trip to the label list."""

    def __init__(self, unknown: list[str]) -> None:
        self.unknown = unknown
        super().__init__(
            f"unknown technique(s): {', '.join(_with_hint(name) for name in unknown)}; "
            f"see /v1/labels or model.taxonomy.TECHNIQUES"
        )


def _with_hint(name: str) -> str:
    close = closest_label(name, TECHNIQUES)
    return f"{name} (did you mean {close!r}?)" if close else name


def check_techniques(techniques: Iterable[str]) -> frozenset[str]:
    """The requested names as a set; raises `UnknownLabelError` naming any that do not exist."""
    names = list(techniques)
    unknown = sorted({name for name in names if name not in TECHNIQUE_INDEX})
    if unknown:
        raise UnknownLabelError(unknown)
    return frozenset(names)


def check_min_score(min_score: float | None) -> float | None:
    if min_score is None:
        return None
    if not 0.0 <= min_score <= 1.0:  # also rejects NaN
        raise ValueError(f"min_score must lie between 0 and 1, not {min_score!r}")
    return float(min_score)


def filter_analysis(
    analysis: Analysis,
    techniques: Iterable[str] | None = None,
    min_score: float | None = None,
    sentences: bool = True,
) -> Analysis:
    """A copy of `analysis` with only the requested techniques and scores; the input is unchanged.

    `techniques=None` keeps every technique; an empty collection keeps none.
    """
    wanted = check_techniques(techniques) if techniques is not None else None
    floor = check_min_score(min_score)
    if wanted is None and floor is None and sentences:
        return analysis.model_copy(deep=True)

    def keep_score(score: float) -> bool:
        return floor is None or score >= floor

    def keep_technique(label: str) -> bool:
        return wanted is None or label in wanted

    def techniques_of(items: list[LabelScore]) -> list[LabelScore]:
        return [item for item in items if keep_technique(item.label) and keep_score(item.score)]

    def frames_of(items: list[LabelScore]) -> list[LabelScore]:
        return [item for item in items if keep_score(item.score)]

    kept_sentences: list[SentenceAnalysis] = []
    if sentences:
        kept_sentences = [
            sentence.model_copy(update={"techniques": techniques_of(sentence.techniques),
                                        "frames": frames_of(sentence.frames)})
            for sentence in analysis.sentences
        ]
    return analysis.model_copy(
        update={
            "frames": frames_of(analysis.frames),
            "techniques": techniques_of(analysis.techniques),
            "sentences": kept_sentences,
            "spans": [
                span.model_copy() for span in analysis.spans
                if keep_technique(span.label) and keep_score(span.score)
            ],
        },
        deep=False,
    )
