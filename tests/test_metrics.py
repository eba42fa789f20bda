"""The DESIGN.md metrics on cases small enough to work out by hand."""

from __future__ import annotations

import numpy as np
import pytest
from support import article_counts

from framing.training.metrics import (
    SpanCounts,
    bootstrap_intervals,
    frame_metrics,
    gold_paragraph_labels,
    headline_counts,
    headline_figures,
    merge_intervals,
    multilabel_f1,
    paired_differences,
    paragraph_metrics,
    span_metrics,
)


def test_partial_overlap_counts_the_shared_characters() -> None:
    counts = SpanCounts()
    counts.add(predicted=[(0, 10)], gold=[(5, 15)])
    assert counts.result().precision == pytest.approx(0.5)
    assert counts.result().recall == pytest.approx(0.5)


def test_a_spurious_span_lowers_precision_only() -> None:
    counts = SpanCounts()
    counts.add(predicted=[(0, 10), (20, 30)], gold=[(0, 10)])
    result = counts.result()
    assert result.precision == pytest.approx(0.5)
    assert result.recall == pytest.approx(1.0)
    assert result.f1 == pytest.approx(2 / 3)


def test_overlapping_spans_are_merged_before_scoring() -> None:
    assert merge_intervals([(5, 9), (0, 6), (12, 14), (14, 20)]) == [(0, 9), (12, 20)]
    counts = SpanCounts()
    counts.add(predicted=[(0, 6), (4, 10)], gold=[(0, 10)])
    assert counts.result().model_dump() == {"precision": 1.0, "recall": 1.0, "f1": 1.0, "predicted": 1, "gold": 1}


def test_no_predictions_scores_zero_not_an_error() -> None:
    counts = SpanCounts()
    counts.add(predicted=[], gold=[(0, 4)])
    assert counts.result().f1 == 0.0


def test_span_identification_ignores_labels_but_per_technique_does_not() -> None:
    predicted = [[("Loaded_Language", 0, 10)]]
    gold = [[("Name_Calling-Labeling", 0, 10)]]
    result = span_metrics(predicted, gold)
    assert result.identification.f1 == pytest.approx(1.0)
    assert result.per_technique["Loaded_Language"].precision == 0.0
    assert result.per_technique["Name_Calling-Labeling"].recall == 0.0
    assert result.technique_micro.f1 == 0.0


def test_a_paragraph_has_a_technique_when_any_span_of_it_overlaps_the_line() -> None:
    text = "First line here.\n\nSecond line, loaded words.\nThird."
    second = text.index("loaded")
    spans = [("Loaded_Language", second, second + 6), ("Doubt", 3, 30)]
    labels = gold_paragraph_labels(text, spans)
    # Blank lines are not paragraphs; a span crossing lines marks each line it touches.
    assert labels == [{"Doubt"}, {"Doubt", "Loaded_Language"}, set()]


def test_micro_and_macro_f1_over_labels() -> None:
    gold = [{"Loaded_Language"}, {"Loaded_Language", "Doubt"}, set()]
    predicted = [{"Loaded_Language"}, set(), {"Doubt"}]
    result = multilabel_f1(gold, predicted, ("Loaded_Language", "Doubt", "Slogans"))
    # Loaded_Language: tp 1, fn 1 -> F1 2/3; Doubt: fp 1, fn 1 -> 0. Micro: tp 1, fp 1, fn 2 -> 0.4.
    assert result.micro_f1 == pytest.approx(0.4)
    assert result.macro_f1 == pytest.approx(1 / 3)  # over the two labels with gold support
    assert result.macro_f1_all_labels == pytest.approx(2 / 9)
    assert result.per_label["Loaded_Language"].support == 2


# Three articles: (gold lines, predicted lines, gold spans, predicted spans, gold frames, predicted frames).
ARTICLES = [
    ([{"Loaded_Language"}, set()], [{"Loaded_Language"}, {"Doubt"}],
     [("Loaded_Language", 0, 10)], [("Loaded_Language", 2, 10), ("Doubt", 30, 40)],
     ["Security_and_defense"], ["Security_and_defense", "Morality"]),
    ([{"Name_Calling-Labeling", "Loaded_Language"}], [set()],
     [("Name_Calling-Labeling", 5, 9)], [], ["Morality"], []),
    ([{"Doubt"}, {"Loaded_Language"}], [{"Doubt"}, {"Loaded_Language"}],
     [("Doubt", 0, 20), ("Loaded_Language", 25, 30)], [("Doubt", 0, 10)], None, ["Morality"]),
]


def test_headline_counts_summed_over_articles_give_the_reported_figures() -> None:
    """The bootstrap resamples these sums, so they must add up to exactly what the report says."""
    counts = np.stack([headline_counts(*article) for article in ARTICLES])
    figures = headline_figures(counts.sum(axis=0))
    paragraphs = paragraph_metrics([line for a in ARTICLES for line in a[0]], [line for a in ARTICLES for line in a[1]])
    spans = span_metrics([a[3] for a in ARTICLES], [a[2] for a in ARTICLES])
    framed = [a for a in ARTICLES if a[4] is not None]
    frames = frame_metrics([a[4] for a in framed], [a[5] for a in framed])
    assert figures["paragraph_micro_f1"] == pytest.approx(paragraphs.micro_f1)
    assert figures["loaded_language_f1"] == pytest.approx(paragraphs.per_label["Loaded_Language"].f1)
    assert figures["span_f1"] == pytest.approx(spans.identification.f1)
    assert figures["frame_micro_f1"] == pytest.approx(frames.micro_f1)


def test_bootstrap_intervals_bracket_the_figure_and_shrink_to_it_on_identical_articles() -> None:
    counts = np.stack([headline_counts(*article) for article in ARTICLES])
    intervals = bootstrap_intervals(counts, samples=500, seed=1)
    point = headline_figures(counts.sum(axis=0))
    for name, (low, high) in intervals.items():
        assert low <= point[name] <= high, name
    assert intervals["paragraph_micro_f1"][0] < intervals["paragraph_micro_f1"][1]
    assert intervals == bootstrap_intervals(counts, samples=500, seed=1)

    same = np.repeat(counts[:1], 20, axis=0)
    single = headline_figures(counts[0])
    for name, (low, high) in bootstrap_intervals(same, samples=200).items():
        assert low == high == pytest.approx(float(single[name]), abs=1e-4), name


def test_a_figure_with_nothing_behind_it_gets_no_interval() -> None:
    no_frames = np.stack([headline_counts(a[0], a[1], a[2], a[3], None, a[5]) for a in ARTICLES])
    assert set(bootstrap_intervals(no_frames, samples=50)) == {"paragraph_micro_f1", "loaded_language_f1", "span_f1"}


def test_paired_differences_are_zero_for_the_same_counts() -> None:
    counts = np.stack([headline_counts(*article) for article in ARTICLES])
    for low, high in paired_differences(counts, counts.copy(), samples=200).values():
        assert low == high == 0


def test_a_consistent_fall_stands_out_of_the_paired_noise_though_not_of_either_versions_own() -> None:
    """Every article loses one true positive: each version's own 95% interval holds the other's figure,
    the paired interval of the difference lies wholly below zero."""
    rng = np.random.default_rng(3)
    tp, fp, fn = rng.integers(4, 30, size=40), rng.integers(0, 20, size=40), rng.integers(0, 20, size=40)
    old = np.stack([article_counts(*counts) for counts in zip(tp, fp, fn, strict=True)])
    new = np.stack([article_counts(*counts) for counts in zip(tp - 1, fp, fn + 1, strict=True)])
    old_point = headline_figures(old.sum(axis=0))["paragraph_micro_f1"]
    new_point = headline_figures(new.sum(axis=0))["paragraph_micro_f1"]
    low, high = bootstrap_intervals(old, samples=500)["paragraph_micro_f1"]
    assert low <= new_point < old_point <= high  # unpaired: the fall hides in the noise
    differences = paired_differences(old, new, samples=500)
    assert differences["paragraph_micro_f1"][1] < 0
    assert differences["paragraph_micro_f1"][0] <= new_point - old_point <= differences["paragraph_micro_f1"][1]


def test_a_fall_on_one_article_of_forty_stays_inside_the_paired_noise() -> None:
    rng = np.random.default_rng(4)
    sizes = rng.integers(2, 12, size=40)
    old = np.stack([article_counts(int(n), 2, 2) for n in sizes])
    new = old.copy()
    new[7] = article_counts(int(sizes[7]) - 2, 4, 4)
    low, high = paired_differences(old, new, samples=500)["paragraph_micro_f1"]
    assert low < 0 <= high


def test_paired_differences_need_the_same_articles() -> None:
    counts = np.stack([headline_counts(*article) for article in ARTICLES])
    with pytest.raises(ValueError, match="same articles"):
        paired_differences(counts, counts[:-1])
