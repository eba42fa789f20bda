"""The one path from text to `Analysis`, shared by the API, the CLI, batch jobs and evaluation."""

from __future__ import annotations

import logging
import os
from collections.abc import Iterable
from pathlib import Path

import torch

from framing.model.article_frames import ArticleFrameScorer
from framing.model.decoding import build_analysis
from framing.model.embedding_regression import embedding_table
from framing.model.ensemble import EnsembleScorer
from framing.model.errors import FramingError
from framing.model.folder import ModelFolder, ModelLoadError
from framing.model.inputs import nothing_to_analyse
from framing.model.language import language_warnings, scored_part, warm_up
from framing.model.neural_scorer import NeuralScorer
from framing.model.schema import Analysis, ModelInfo
from framing.model.scores import DocumentScores, PreparedText, Scorer
from framing.model.sentence_frames import SentenceFrameScorer
from framing.model.sentence_stack import StackingScorer
from framing.model.sentence_techniques import SentenceTechniqueScorer
from framing.model.thresholds import PRECISE, OperatingPoints, Thresholds

log = logging.getLogger(__name__)


class EmptyTextError(FramingError, ValueError):
    """Raised for text with nothing to analyse, so callers can answer 422 rather than guess; `code`
    says why (`model.inputs.nothing_to_analyse`)."""

    def __init__(self, message: str, code: str = "empty_text") -> None:
        super().__init__(message)
        self.code = code


class Analyzer:
    def __init__(self, scorer: Scorer, thresholds: Thresholds, info: ModelInfo,
                 directory: Path | None = None, sensitive: Thresholds | None = None) -> None:
        self.scorer = scorer
        # True when the scorer's sentence frames are the sentence-frame model's calibrated scores
        # (model.sentence_frames), decided at 0.5; False: the network's, decided as before. Read
        # from the scorer, so an Analyzer built around another's scorer decodes the same way.
        self.own_sentence_frames = bool(getattr(scorer, "own_sentence_frames", False))
        self.thresholds = thresholds  # the precise operating point
        self.points = OperatingPoints(thresholds, sensitive)
        self.info = info
        self.directory = directory

    @classmethod
    def load(cls, directory: str | os.PathLike[str] | None = None, threads: int | None = None) -> Analyzer:
        """Load a model folder, or a registry's promoted version (the shipped model by default); no
        network access."""
        if threads:
            torch.set_num_threads(threads)
        warm_up()  # the language detector loads while the network does
        folder = ModelFolder.resolve(directory)
        network, tokenizer, manifest, thresholds = folder.load_network()
        memory = folder.span_memory(network.hidden_size)
        scorer: Scorer = NeuralScorer(network, tokenizer, manifest.window_length, manifest.stride, memory=memory)
        shares = manifest.lexical_shares()
        lexical = folder.tfidf() if shares.used else None
        sentence_frames = folder.sentence_frames()
        # The embedding models read the network's static embeddings; a folder with none needs no copy.
        needs_table = (manifest.article_frame_weight > 0 or manifest.sentence_technique_weight > 0
                       or sentence_frames is not None)
        table = embedding_table(network) if needs_table else None
        stack = folder.sentence_stack()
        if stack is not None:  # the parts' sentence scores stacked, not blended at fixed shares
            if lexical is None or table is None or manifest.sentence_technique_weight <= 0:
                raise ModelLoadError(f"{folder.path}: the sentence stack needs the TF-IDF model and the "
                                     "sentence-technique model beside the network, and the folder lacks one")
            scorer = StackingScorer(scorer, lexical, shares, folder.sentence_techniques(table.shape), tokenizer,
                                    table, manifest.sentence_technique_weight, stack)
        elif lexical is not None:
            scorer = EnsembleScorer(scorer, lexical, shares)
        if manifest.article_frame_weight > 0 and table is not None:
            scorer = ArticleFrameScorer(scorer, folder.article_frames(table.shape), tokenizer, table,
                                        manifest.article_frame_weight)
        if stack is None and manifest.sentence_technique_weight > 0 and table is not None:
            scorer = SentenceTechniqueScorer(scorer, folder.sentence_techniques(table.shape), tokenizer, table,
                                             manifest.sentence_technique_weight)
        if sentence_frames is not None and table is not None:
            if sentence_frames.lexical and lexical is None:
                lexical = folder.tfidf()
            scorer = SentenceFrameScorer(scorer, sentence_frames, tokenizer, table, lexical)
        return cls(scorer, thresholds, ModelInfo(name=manifest.name, version=manifest.version), folder.path,
                   sensitive=folder.sensitive_thresholds())

    @property
    def metrics(self) -> dict:
        """Validation metrics recorded when the model was trained (empty if none were)."""
        return ModelFolder(self.directory).metrics() if self.directory else {}

    @staticmethod
    def prepare(text: str) -> PreparedText:
        if not isinstance(text, str):
            raise TypeError(f"text must be a string, not {type(text).__name__}")
        problem = nothing_to_analyse(text)
        if problem:
            raise EmptyTextError(problem[1], problem[0])
        return PreparedText.from_text(text)

    def score(self, texts: list[str]) -> tuple[list[PreparedText], list[DocumentScores]]:
        prepared = [self.prepare(text) for text in texts]
        return prepared, self.scorer.score(prepared)

    @property
    def operating_points(self) -> tuple[str, ...]:
        """The sensitivities this model serves (`precise`, and `sensitive` when calibrated)."""
        return self.points.available

    def analyze(self, text: str, document_id: str | None = None, sensitivity: str = PRECISE) -> Analysis:
        return self.analyze_many([text], [document_id], sensitivity)[0]

    def analyze_many(self, texts: list[str], ids: Iterable[str | None] | None = None,
                     sensitivity: str = PRECISE) -> list[Analysis]:
        """Analyse several texts in one batched pass; the order of the results follows `texts`.

        `sensitivity` names the operating point decoded with; an unknown one, or `sensitive` on a
        model without it, raises `OperatingPointError` before anything is scored.
        """
        ids = list(ids) if ids is not None else [None] * len(texts)
        if len(ids) != len(texts):
            raise ValueError("ids and texts differ in length")
        self.points.choose(sensitivity)
        prepared, scores = self.score(texts)
        analyses = [self.decode(p, s, document_id, sensitivity)
                    for p, s, document_id in zip(prepared, scores, ids, strict=True)]
        # Scoring goes on whatever the language; the Analysis says when its figures mean little. The
        # language is judged on what was scored: sentences in another script have a warning of their own.
        for analysis, text in zip(analyses, prepared, strict=True):
            analysis.warnings = [*language_warnings(scored_part(text)), *analysis.warnings]
        return analyses

    def decode(self, prepared: PreparedText, scores: DocumentScores, document_id: str | None = None,
               sensitivity: str = PRECISE) -> Analysis:
        """The Analysis of scores this analyzer computed (`score`), at the `sensitivity` operating point."""
        return build_analysis(prepared, scores, self.points.choose(sensitivity), self.info, document_id,
                              operating_point=sensitivity, own_sentence_frames=self.own_sentence_frames,
                              scale=self.points.precise)

    def analyze_each(self, texts: list[str], ids: Iterable[str | None] | None = None,
                     sensitivity: str = PRECISE) -> list[Analysis | Exception]:
        """Analyse in one batched pass; if that fails, each text alone, so one bad text fails only itself.

        Returns, in the order of `texts`, the Analysis of each text or the exception its own pass
        raised (an `EmptyTextError`, or any failure of the scorer), for the caller to report.
        """
        ids = list(ids) if ids is not None else [None] * len(texts)
        if len(ids) != len(texts):
            raise ValueError("ids and texts differ in length")
        self.points.choose(sensitivity)  # a request for a point the model lacks fails as a whole
        if not texts:
            return []
        try:
            return list(self.analyze_many(texts, ids, sensitivity))
        except Exception:
            log.warning("batched analysis failed; retrying document by document", exc_info=True)
        results: list[Analysis | Exception] = []
        for text, document_id in zip(texts, ids, strict=True):
            try:
                results.append(self.analyze(text, document_id, sensitivity))
            except Exception as error:  # reported per document by the caller
                results.append(error)
        return results
