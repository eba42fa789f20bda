"""The shipped scorer: the fine-tuned network averaged with the TF-IDF model at sentence level.

The two make different mistakes (context and wording vs. lexical cues), so their average ranks
sentences and frames better than either. Word-level span scores stay the network's alone: the
TF-IDF model has no notion of where in a sentence a technique sits.
"""

from __future__ import annotations

from framing.model.scores import DocumentScores, PreparedText, Scorer


class EnsembleScorer:
    name = "ensemble"

    def __init__(self, neural: Scorer, lexical: Scorer, lexical_weight: float) -> None:
        if not 0.0 <= lexical_weight <= 1.0:
            raise ValueError(f"lexical_weight must lie in [0, 1], got {lexical_weight}")
        self.neural = neural
        self.lexical = lexical
        self.lexical_weight = lexical_weight

    def score(self, documents: list[PreparedText]) -> list[DocumentScores]:
        return combine(self.neural.score(documents), self.lexical.score(documents), self.lexical_weight)


def combine(neural: list[DocumentScores], lexical: list[DocumentScores], weight: float) -> list[DocumentScores]:
    def mix(a, b):
        return (1.0 - weight) * a + weight * b

    return [
        DocumentScores(
            word_techniques=n.word_techniques,
            sentence_techniques=mix(n.sentence_techniques, x.sentence_techniques),
            sentence_frames=mix(n.sentence_frames, x.sentence_frames),
            article_frames=mix(n.article_frames, x.article_frames),
        )
        for n, x in zip(neural, lexical, strict=True)
    ]
