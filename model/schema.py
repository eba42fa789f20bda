"""The `Analysis`: the one output shape shared by the API, the CLI, batch files and evaluation.

Offsets are Python `str` indices (code points) into the text exactly as received; `end` is
exclusive, so `text[start:end]` is the highlighted string.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

SCORE = ("Model confidence on one scale for every label: 0.5 at the label's precise decision threshold, higher "
         "is surer; what only the sensitive point asserts scores under 0.5 (README, \"Scores\").")


class LabelScore(BaseModel):
    model_config = ConfigDict(frozen=True)

    label: str = Field(description="A technique or frame name from the SemEval-2023 task 3 scheme.")
    score: float = Field(ge=0.0, le=1.0, description=SCORE)


class SentenceAnalysis(BaseModel):
    index: int = Field(ge=0)
    start: int = Field(ge=0)
    end: int = Field(ge=0)
    techniques: list[LabelScore] = Field(default_factory=list)
    frames: list[LabelScore] = Field(default_factory=list)


class Span(BaseModel):
    start: int = Field(ge=0)
    end: int = Field(ge=0)
    text: str
    label: str
    score: float = Field(ge=0.0, le=1.0, description=SCORE)
    sentence: int = Field(ge=0, description="Index of the sentence the span starts in.")
    unit: Literal["words", "sentence"] = Field(
        "words",
        description="`words`: the span decoder placed these words (for techniques calibrated to whole-"
                    "sentence spans they are the sentence's words). `sentence`: the sentence-level head "
                    "asserts the technique but no span of it was placed, so the whole sentence is marked. "
                    "Span metrics score `words` spans only.")


class AnalysisWarning(BaseModel):
    """Something the reader should know before trusting the Analysis (scoring still went on)."""

    code: str = Field(description="Stable machine-readable code, e.g. `not_english`.")
    message: str = Field(description="What happened and what it means, for a person.")


class ModelInfo(BaseModel):
    name: str
    version: str


class Analysis(BaseModel):
    """Everything the model asserts about one text, highest score first in every list."""

    id: str | None = None
    model: ModelInfo
    frames: list[LabelScore] = Field(default_factory=list)
    techniques: list[LabelScore] = Field(default_factory=list)
    sentences: list[SentenceAnalysis] = Field(default_factory=list)
    spans: list[Span] = Field(default_factory=list)
    warnings: list[AnalysisWarning] = Field(default_factory=list)
    operating_point: Literal["precise", "sensitive"] = Field(
        "precise",
        description="The thresholds that produced the lists: `precise` (fitted for F1) or `sensitive` "
                    "(fitted for recall of at least 0.7 per technique where the held-out data allow).")
