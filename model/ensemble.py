"""The shipped scorer: the fine-tuned network averaged with the TF-IDF model at sentence level.

The two make different mistakes (context and wording vs. lexical cues), so their average ranks
sentences and frames better than either. Word-level span scores stay the network's alone: the
TF-IDF model has no notion of where in a sentence a technique sits. Techniques and frames take
separate TF-IDF shares: on frames the TF-IDF model alone beats the network under cross-validation,
so the best share there lies far higher than for techniques (docs/model-experiments.md, section 5).
"""

from __future__ import annotations

from dataclasses import dataclass

from framing.model.scores import DocumentScores, PreparedText, Scorer


@dataclass(frozen=True)
class LexicalShares:
    """The TF-IDF model's share of the served sentence-technique scores and of the frame scores."""

    techniques: float
    frames: float

    def __post_init__(self) -> None:
        for name, share in (("techniques", self.techniques), ("frames", self.frames)):
            if not 0.0 <= share <= 1.0:
                raise ValueError(f"the TF-IDF share of {name} must lie in [0, 1], got {share}")

    @classmethod
    def of(cls, lexical_weight: float, frame_lexical_weight: float | None) -> LexicalShares:
        """Shares from the two settings; no frame weight (folders before 2.2.0) means the same share."""
        return cls(lexical_weight, lexical_weight if frame_lexical_weight is None else frame_lexical_weight)

    @property
    def used(self) -> bool:
        """Whether the TF-IDF model contributes at all (the folder serves the ensemble)."""
        return self.techniques > 0 or self.frames > 0


class EnsembleScorer:
    name = "ensemble"

    def __init__(self, neural: Scorer, lexical: Scorer, shares: LexicalShares) -> None:
        self.neural = neural
        self.lexical = lexical
        self.shares = shares

    def score(self, documents: list[PreparedText]) -> list[DocumentScores]:
        return combine(self.neural.score(documents), self.lexical.score(documents), self.shares)


def combine(neural: list[DocumentScores], lexical: list[DocumentScores], shares: LexicalShares) -> list[DocumentScores]:
    def mix(a, b, share: float):
        return (1.0 - share) * a + share * b

    return [
        DocumentScores(
            word_techniques=n.word_techniques,
            sentence_techniques=mix(n.sentence_techniques, x.sentence_techniques, shares.techniques),
            sentence_frames=mix(n.sentence_frames, x.sentence_frames, shares.frames),
            article_frames=mix(n.article_frames, x.article_frames, shares.frames),
        )
        for n, x in zip(neural, lexical, strict=True)
    ]
