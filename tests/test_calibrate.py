"""Threshold calibration: labels are fitted for the micro objective, useless ones switched off."""

from __future__ import annotations

import numpy as np

from model.scores import DocumentScores, PreparedText
from model.taxonomy import FRAMES, TECHNIQUE_INDEX, TECHNIQUES
from training.calibrate import GRID, OFF, calibrate, joint_thresholds
from training.documents import Document, GoldSpan


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
        scores.append(DocumentScores(words, sentences, np.zeros((len(p.sentences), len(FRAMES))),
                                     np.zeros(len(FRAMES), dtype=np.float32)))
    thresholds = calibrate(documents, prepared, scores)
    assert thresholds.span_unit["Doubt"] == "sentence"
    assert 0.05 < thresholds.span["Doubt"] <= 0.7
    assert thresholds.span_unit["Loaded_Language"] == "word"
    assert 0.05 < thresholds.span["Loaded_Language"] <= 0.8
    # Techniques too rare to fit keep the word unit.
    assert thresholds.span_unit["Slogans"] == "word"
