"""The DESIGN.md metrics on cases small enough to work out by hand."""

from __future__ import annotations

import pytest

from training.metrics import (
    SpanCounts,
    gold_paragraph_labels,
    merge_intervals,
    multilabel_f1,
    span_metrics,
)


def test_partial_overlap_counts_the_shared_characters() -> None:
    counts = SpanCounts()
    counts.add(predicted=[(0, 10)], gold=[(5, 15)])
    assert counts.result()["precision"] == pytest.approx(0.5)
    assert counts.result()["recall"] == pytest.approx(0.5)


def test_a_spurious_span_lowers_precision_only() -> None:
    counts = SpanCounts()
    counts.add(predicted=[(0, 10), (20, 30)], gold=[(0, 10)])
    result = counts.result()
    assert result["precision"] == pytest.approx(0.5)
    assert result["recall"] == pytest.approx(1.0)
    assert result["f1"] == pytest.approx(2 / 3)


def test_overlapping_spans_are_merged_before_scoring() -> None:
    assert merge_intervals([(5, 9), (0, 6), (12, 14), (14, 20)]) == [(0, 9), (12, 20)]
    counts = SpanCounts()
    counts.add(predicted=[(0, 6), (4, 10)], gold=[(0, 10)])
    assert counts.result() == {"precision": 1.0, "recall": 1.0, "f1": 1.0, "predicted": 1, "gold": 1}


def test_no_predictions_scores_zero_not_an_error() -> None:
    counts = SpanCounts()
    counts.add(predicted=[], gold=[(0, 4)])
    assert counts.result()["f1"] == 0.0


def test_span_identification_ignores_labels_but_per_technique_does_not() -> None:
    predicted = [[("Loaded_Language", 0, 10)]]
    gold = [[("Name_Calling-Labeling", 0, 10)]]
    result = span_metrics(predicted, gold)
    assert result["identification"]["f1"] == pytest.approx(1.0)
    assert result["per_technique"]["Loaded_Language"]["precision"] == 0.0
    assert result["per_technique"]["Name_Calling-Labeling"]["recall"] == 0.0
    assert result["technique_micro"]["f1"] == 0.0


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
    assert result["micro_f1"] == pytest.approx(0.4)
    assert result["macro_f1"] == pytest.approx(1 / 3)  # over the two labels with gold support
    assert result["macro_f1_all_labels"] == pytest.approx(2 / 9)
    assert result["per_label"]["Loaded_Language"]["support"] == 2
