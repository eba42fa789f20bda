"""Threshold calibration: labels are fitted for the micro objective, useless ones switched off."""

from __future__ import annotations

import numpy as np
import pytest

from framing.model.decoding import SPAN_GROWTH
from framing.model.schema import ModelInfo
from framing.model.scores import DocumentScores, PreparedText
from framing.model.taxonomy import FRAMES, TECHNIQUE_INDEX, TECHNIQUES
from framing.model.tfidf import BaselineScorer
from framing.model.thresholds import SpanGrowth
from framing.training.calibrate import GRID, OFF, calibrate, joint_thresholds
from framing.training.documents import Document, GoldSpan
from framing.training.evaluate import cross_fitted, fold_assignment
from framing.training.metrics import HEADLINE_COUNTS, bootstrap_intervals
from framing.training.readers import read_semeval_folder


def _no_frames(words: np.ndarray, sentences: np.ndarray) -> DocumentScores:
    """Technique scores of a text with every frame score at zero."""
    return DocumentScores(words, sentences, np.zeros((len(sentences), len(FRAMES))),
                          np.zeros(len(FRAMES), dtype=np.float32))


def test_a_label_that_only_adds_false_positives_is_switched_off() -> None:
    # Label 0 separates perfectly at grid index 10; label 1 is noise whose own best F1 comes
    # from asserting it everywhere (many false positives). Jointly, label 1 must go off.
    n = len(GRID)
    tp, fp, fn = np.zeros((2, n)), np.zeros((2, n)), np.zeros((2, n))
    tp[0], fp[0], fn[0] = np.where(np.arange(n) <= 10, 50, 0), np.where(np.arange(n) < 10, 40, 0), 0
    fn[0] = 50 - tp[0]
    tp[1] = np.linspace(5, 0, n)
    fp[1] = np.linspace(200, 0, n)
    fn[1] = 5 - tp[1]
    choice = joint_thresholds(tp, tp + fp, tp, tp + fn, fitted=np.array([True, True]))
    assert choice[0] == 10
    assert GRID[choice[1]] == OFF


def test_calibrate_finds_separating_thresholds_on_synthetic_scores() -> None:
    text = "Those corrupt thugs lied again.\nThe committee met on Tuesday."
    documents, prepared, scores = [], [], []
    loaded = TECHNIQUE_INDEX["Loaded_Language"]
    for i in range(6):
        document = Document(id=str(i), text=text, spans=[GoldSpan("Loaded_Language", 6, 19)], frames=["Political"])
        p = PreparedText.from_text(text)
        words = np.zeros((len(p.words), len(TECHNIQUES)), dtype=np.float32)
        inside = (p.words[:, 0] >= 6) & (p.words[:, 1] <= 19)
        words[inside, loaded] = 0.8
        words[~inside, loaded] = 0.2
        sentences = np.zeros((len(p.sentences), len(TECHNIQUES)), dtype=np.float32)
        sentences[0, loaded] = 0.7
        sentences[1, loaded] = 0.1
        article = np.full(len(FRAMES), 0.1, dtype=np.float32)
        article[FRAMES.index("Political")] = 0.9
        documents.append(document)
        prepared.append(p)
        scores.append(DocumentScores(words, sentences, np.zeros((len(p.sentences), len(FRAMES))), article))
    thresholds = calibrate(documents, prepared, scores)
    assert thresholds.span_growth == SPAN_GROWTH  # the decoding the thresholds were fitted for
    assert calibrate(documents, prepared, scores, span_growth=SpanGrowth()).span_growth == SpanGrowth()
    assert 0.2 < thresholds.span["Loaded_Language"] <= 0.8
    assert thresholds.sentence["Loaded_Language"] > 0.1
    assert 0.1 < thresholds.frame["Political"] <= 0.9
    # Frames never seen in the calibration data fall back to a conservative fitted value.
    assert thresholds.frame["Economic"] == thresholds.frame["Political"]


def test_calibration_cuts_clause_long_techniques_by_sentence_and_short_ones_by_word() -> None:
    # Doubt is annotated on whole sentences, which the sentence scores pick out while the word
    # scores only light up one word of each; Loaded_Language is two words that the word scores find.
    text = "Can we trust anything they say about it?\nThose corrupt thugs lied again.\nThe committee met."
    doubt_start, doubt_end = 0, text.index("?")
    loaded_start, loaded_end = text.index("corrupt"), text.index(" lied")
    documents, prepared, scores = [], [], []
    loaded, doubt = TECHNIQUE_INDEX["Loaded_Language"], TECHNIQUE_INDEX["Doubt"]
    for i in range(6):
        documents.append(Document(id=str(i), text=text, frames=None, spans=[
            GoldSpan("Doubt", doubt_start, doubt_end), GoldSpan("Loaded_Language", loaded_start, loaded_end)]))
        p = PreparedText.from_text(text)
        words = np.full((len(p.words), len(TECHNIQUES)), 0.05, dtype=np.float32)
        words[(p.words[:, 0] >= loaded_start) & (p.words[:, 1] <= loaded_end), loaded] = 0.8
        words[[k for k, (a, b) in enumerate(p.words) if text[a:b] == "trust"], doubt] = 0.9
        sentences = np.full((len(p.sentences), len(TECHNIQUES)), 0.05, dtype=np.float32)
        sentences[0, doubt] = 0.7
        sentences[1, loaded] = 0.6
        prepared.append(p)
        scores.append(_no_frames(words, sentences))
    thresholds = calibrate(documents, prepared, scores)
    assert thresholds.span_unit["Doubt"] == "sentence"
    assert 0.05 < thresholds.span["Doubt"] <= 0.7
    assert thresholds.span_unit["Loaded_Language"] == "word"
    assert 0.05 < thresholds.span["Loaded_Language"] <= 0.8
    # Techniques too rare to fit keep the word unit.
    assert thresholds.span_unit["Slogans"] == "word"


def test_span_thresholds_count_finds_under_a_neighbouring_label() -> None:
    # Loaded_Language word scores find its own span (0.8) and, at 0.4, a Name_Calling span that the
    # Name_Calling scores miss. Technique span F1 alone keeps Loaded_Language above 0.4 (the find
    # carries the wrong label); identification F1 beside it takes the find: the sum is 1.5 at 0.4
    # against 1.33 above.
    text = "Those corrupt thugs lied again, said the fools on Tuesday."
    loaded_span = (text.index("corrupt"), text.index(" lied"))
    calling_span = (text.index("fools"), text.index(" on"))
    loaded = TECHNIQUE_INDEX["Loaded_Language"]
    documents, prepared, scores = [], [], []
    for i in range(6):
        documents.append(Document(id=str(i), text=text, frames=None, spans=[
            GoldSpan("Loaded_Language", *loaded_span), GoldSpan("Name_Calling-Labeling", *calling_span)]))
        p = PreparedText.from_text(text)
        words = np.full((len(p.words), len(TECHNIQUES)), 0.01, dtype=np.float32)
        words[(p.words[:, 0] >= loaded_span[0]) & (p.words[:, 1] <= loaded_span[1]), loaded] = 0.8
        words[(p.words[:, 0] >= calling_span[0]) & (p.words[:, 1] <= calling_span[1]), loaded] = 0.4
        sentences = np.full((len(p.sentences), len(TECHNIQUES)), 0.01, dtype=np.float32)
        prepared.append(p)
        scores.append(_no_frames(words, sentences))
    thresholds = calibrate(documents, prepared, scores)
    assert thresholds.span_unit["Loaded_Language"] == "word"
    assert 0.01 < thresholds.span["Loaded_Language"] <= 0.4


@pytest.fixture(scope="module")
def scored_sample(sample_corpus):
    """Sample articles scored by TF-IDF fitted on a few of them: cheap, and imperfect enough that
    which articles share a fold changes the figures."""
    documents = read_semeval_folder(sample_corpus)[:6]
    prepared = [PreparedText.from_text(d.text) for d in documents]
    return documents, prepared, BaselineScorer().fit(documents[:3]).score(prepared)


def test_fold_assignment_is_seeded_and_balanced() -> None:
    folds = fold_assignment(11, 2, seed=4)
    assert sorted(np.bincount(folds)) == [5, 6]
    assert (folds == fold_assignment(11, 2, seed=4)).all()
    assert any((fold_assignment(11, 2, seed=s) != folds).any() for s in range(5, 10))


def test_cross_fitting_over_several_deals_reports_the_mean_of_single_deals(scored_sample) -> None:
    documents, prepared, scores = scored_sample
    info = ModelInfo(name="tfidf", version="test")
    (first, fitted_on_all), (second, _) = (cross_fitted(documents, prepared, scores, info, seed=seed)
                                           for seed in (3, 4))
    singles = [first, second]
    averaged, thresholds = cross_fitted(documents, prepared, scores, info, seed=3, assignments=2)
    assert averaged.fold_assignments == 2 and first.fold_assignments == 1
    for path in (("paragraph", "micro_f1"), ("paragraph", "per_label", "Loaded_Language", "f1"),
                 ("spans", "identification", "f1"), ("frames", "micro_f1")):
        values = []
        for report in (r.model_dump() for r in (*singles, averaged)):
            for key in path:
                report = report[key]
            values.append(report)
        assert values[-1] == pytest.approx(np.mean(values[:-1])), path
    assert len({s.paragraph.micro_f1 for s in singles}) > 1, "the deals should differ on this data"
    # Counts of gold items do not depend on the deal and stay integers.
    assert averaged.paragraph.per_label["Loaded_Language"].support == \
        singles[0].paragraph.per_label["Loaded_Language"].support
    # The served thresholds are fitted on all articles, whatever the deals.
    assert thresholds == fitted_on_all
    assert averaged.intervals is not None
    for low, high in averaged.intervals.values():
        assert 0.0 <= low <= high <= 1.0
    with pytest.raises(ValueError, match="at least 1"):
        cross_fitted(documents, prepared, scores, info, assignments=0)


def test_intervals_over_identical_deals_equal_those_of_one_deal() -> None:
    rng = np.random.default_rng(0)
    counts = rng.integers(0, 6, size=(15, HEADLINE_COUNTS)).astype(np.float64)
    assert bootstrap_intervals(np.stack([counts, counts, counts]), samples=300) == \
        bootstrap_intervals(counts, samples=300)


def test_calibrate_systems_serves_the_ensemble_only_with_a_lexical_share(scored_sample) -> None:
    """The pure calibration step: scores and gold labels in, thresholds and reports out."""
    from framing.model.ensemble import LexicalShares, combine
    from framing.training.packaging import calibrate_systems

    documents, prepared, scores = scored_sample
    # Stand-ins: one TF-IDF's scores as the "network", another's as the baseline.
    other = BaselineScorer().fit(documents[3:]).score(prepared)
    info, baseline_info = ModelInfo(name="net", version="t"), ModelInfo(name="tfidf", version="t")
    shares = LexicalShares(techniques=0.5, frames=0.8)
    alone = calibrate_systems(documents, prepared, scores, info, None, shares, seed=3, assignments=1)
    assert alone.served == "network" and list(alone.reports) == ["model"] and alone.baseline_thresholds is None
    report, thresholds = cross_fitted(documents, prepared, scores, info, seed=3)
    assert alone.reports["model"] == report and alone.thresholds == thresholds

    both = calibrate_systems(documents, prepared, scores, info, (other, baseline_info), shares, seed=3,
                             assignments=1)
    assert both.served == "ensemble" and list(both.reports) == ["model", "network", "baseline"]
    ensemble_report, ensemble_thresholds = cross_fitted(documents, prepared, combine(scores, other, shares), info,
                                                        seed=3)
    assert both.reports["model"] == ensemble_report and both.thresholds == ensemble_thresholds
    assert both.baseline_thresholds == cross_fitted(documents, prepared, other, baseline_info, seed=3)[1]

    no_share = calibrate_systems(documents, prepared, scores, info, (other, baseline_info), LexicalShares(0, 0),
                                 seed=3, assignments=1)
    assert no_share.served == "network" and list(no_share.reports) == ["model", "baseline"]


def test_the_span_growth_a_config_chooses_is_fitted_into_every_system_and_both_points(scored_sample) -> None:
    from framing.model.ensemble import LexicalShares
    from framing.training.config import TrainConfig
    from framing.training.errors import TrainingError
    from framing.training.packaging import calibrate_systems

    assert TrainConfig().span_growth() == SPAN_GROWTH  # a model trained by default grows as the shipped one
    documents, prepared, scores = scored_sample
    other = BaselineScorer().fit(documents[3:]).score(prepared)
    info, baseline_info = ModelInfo(name="net", version="t"), ModelInfo(name="tfidf", version="t")
    none = TrainConfig(span_extension=1.0, span_bridge=0).span_growth()
    result = calibrate_systems(documents, prepared, scores, info, (other, baseline_info), LexicalShares(0.5, 0.5),
                               seed=3, assignments=1, growth=none)
    assert result.thresholds.span_growth == none and result.baseline_thresholds is not None
    assert result.baseline_thresholds.span_growth == none
    assert result.sensitive is not None and result.sensitive.span_growth == none
    report, thresholds = cross_fitted(documents, prepared, other, baseline_info, seed=3, growth=none)
    assert result.reports["baseline"] == report and result.baseline_thresholds == thresholds
    grown = cross_fitted(documents, prepared, other, baseline_info, seed=3, growth=SpanGrowth(0.5, 3))[1]
    assert grown.span_growth == SpanGrowth(0.5, 3)
    with pytest.raises(TrainingError, match="span_extension"):
        TrainConfig.from_file(None, span_extension=0.0)


def test_the_ensemble_mixes_techniques_and_frames_at_their_own_shares(scored_sample) -> None:
    from framing.model.ensemble import LexicalShares, combine

    documents, prepared, scores = scored_sample
    other = BaselineScorer().fit(documents[3:]).score(prepared)
    mixed = combine(scores, other, LexicalShares(techniques=0.25, frames=0.75))
    for m, n, x in zip(mixed, scores, other, strict=True):
        assert np.allclose(m.sentence_techniques, 0.75 * n.sentence_techniques + 0.25 * x.sentence_techniques)
        assert np.allclose(m.article_frames, 0.25 * n.article_frames + 0.75 * x.article_frames)
        assert np.allclose(m.sentence_frames, 0.25 * n.sentence_frames + 0.75 * x.sentence_frames)
        assert m.word_techniques is n.word_techniques, "span scores stay the network's"
    assert LexicalShares.of(0.5, None) == LexicalShares(0.5, 0.5), "folders before 2.2.0: one share for both"
    assert not LexicalShares(0, 0).used and LexicalShares(0, 0.8).used
    with pytest.raises(ValueError, match="frames must lie in"):
        LexicalShares(0.5, 1.5)


def test_the_tfidf_model_fits_documents_without_frames() -> None:
    """Corrections often come without frames: the TF-IDF model then learns no frame (scores 0), not a crash."""
    from framing.model.scores import PreparedText
    from framing.training.documents import Document, GoldSpan

    text = "The reckless regime lied again. Officials met on Monday."
    documents = [Document(id=f"d{i}", text=text, spans=[GoldSpan("Loaded_Language", 4, 12)] if i % 2 else [],
                          frames=None) for i in range(4)]
    scores = BaselineScorer().fit(documents).score([PreparedText.from_text(text)])[0]
    assert scores.article_frames.shape == (14,) and not scores.article_frames.any()
    assert scores.sentence_techniques.shape[0] == 2
