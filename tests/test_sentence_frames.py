"""Sentence frames from the sentence's own words (issue 20): fitting, files, decoding, the shipped model."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from framing.model.decoding import build_analysis, sentence_frame_decisions
from framing.model.folder import ModelFolder, ModelLoadError
from framing.model.layout import HASHES, SENTENCE_FRAME_ARRAYS, SENTENCE_FRAME_SETTINGS
from framing.model.schema import ModelInfo
from framing.model.scores import DocumentScores, PreparedText
from framing.model.sentence_frames import SentenceFrameModel, SentenceFrameScorer
from framing.model.taxonomy import FRAME_INDEX, FRAMES, TECHNIQUES
from framing.model.thresholds import Thresholds
from framing.service.cli import main
from framing.training.readers import read_semeval_folder
from framing.training.sentence_frame_fit import fit_sentence_frames, read_examples
from framing.training.sentence_frames import FitSettings, fit_thresholds

EXAMPLES = Path(__file__).resolve().parent.parent / "data" / "sentence-frames" / "examples.jsonl"


@pytest.fixture
def tiny_model(tmp_path: Path, tiny_encoder: Path) -> Path:
    """A model folder around the tiny encoder (untrained heads): enough to fit sentence frames on."""
    from transformers import AutoTokenizer

    from framing.model.manifest import Manifest
    from framing.model.network import FramingNetwork

    folder = ModelFolder(tmp_path / "model")
    folder.save(FramingNetwork.from_pretrained(str(tiny_encoder)), AutoTokenizer.from_pretrained(str(tiny_encoder)),
                Manifest(), Thresholds())
    return folder.path


def test_fits_on_the_sample_corpus_saves_loads_and_records_hashes(tiny_model: Path, sample_corpus: Path) -> None:
    documents = read_semeval_folder(sample_corpus)
    folder = ModelFolder(tiny_model)
    folder.save_data_record({"documents": [{"id": d.id, "split": "heldout" if i < 2 else "train"}
                                           for i, d in enumerate(documents)]})
    fitted = fit_sentence_frames(tiny_model, documents, read_examples(EXAMPLES)[:20], FitSettings(epochs=2),
                                 folds=3, seed=13)
    recorded = json.loads((tiny_model / HASHES).read_text(encoding="utf-8"))["sha256"]
    assert {SENTENCE_FRAME_SETTINGS, SENTENCE_FRAME_ARRAYS} <= set(recorded)
    loaded = folder.sentence_frames()
    assert loaded is not None
    assert np.allclose(loaded.thresholds, fitted.thresholds, atol=1e-6)
    assert all(np.array_equal(loaded.arrays[k], fitted.arrays[k].astype(np.float32)) for k in fitted.arrays)
    assert loaded.settings["folds"] == 3 and loaded.settings["seed"] == 13 and loaded.settings["examples"] == 20
    heldout = folder.heldout_ids()
    assert heldout
    framed = [d for d in documents if d.frames is not None]
    assert loaded.settings["heldout_excluded"] == sum(1 for d in framed if d.id in heldout) > 0
    assert loaded.settings["articles"] == len(framed) - loaded.settings["heldout_excluded"]
    assert set(loaded.settings["frames"]) == set(FRAMES)
    card = (tiny_model / "MODEL_CARD.md").read_text(encoding="utf-8")
    assert "## Sentence frames" in card and "3-fold cross-validation" in card and "Economic" in card
    size = sum((tiny_model / name).stat().st_size for name in (SENTENCE_FRAME_SETTINGS, SENTENCE_FRAME_ARRAYS))
    assert size < 2_000_000
    features = np.random.default_rng(0).normal(size=(3, loaded.arrays["feature_mean"].shape[0])).astype(np.float32)
    assert np.allclose(loaded.logits(features), fitted.logits(features), atol=1e-5)

    # An edited sentence-frame file is refused like any other model file.
    folder.check_hashes()
    settings = json.loads((tiny_model / SENTENCE_FRAME_SETTINGS).read_text(encoding="utf-8"))
    settings["thresholds"]["Economic"] = 0.01
    (tiny_model / SENTENCE_FRAME_SETTINGS).write_text(json.dumps(settings), encoding="utf-8")
    with pytest.raises(ModelLoadError, match="sha256"):
        folder.check_hashes()


def test_a_folder_with_half_the_sentence_frame_files_is_refused(tiny_model: Path) -> None:
    folder = ModelFolder(tiny_model)
    assert folder.sentence_frames() is None  # an older folder: the network's frame head as before
    (tiny_model / SENTENCE_FRAME_SETTINGS).write_text("{}", encoding="utf-8")
    with pytest.raises(ModelLoadError, match="fit-sentence-frames"):
        folder.sentence_frames()
    (tiny_model / SENTENCE_FRAME_ARRAYS).write_bytes(b"not safetensors")
    with pytest.raises(ModelLoadError, match="sentence-frame"):
        folder.sentence_frames()


def test_cli_fits_a_folder_and_reports_bad_examples(tiny_model: Path, sample_corpus: Path, tmp_path: Path,
                                                   capsys) -> None:
    assert main(["fit-sentence-frames", str(tiny_model), "--data", str(sample_corpus), "--folds", "3",
                 "--epochs", "1", "--examples", str(EXAMPLES)]) == 0
    out = capsys.readouterr().out
    assert "3-fold thresholds (seed 13)" in out and "Security_and_defense" in out
    assert ModelFolder(tiny_model).sentence_frames() is not None
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"id": "x", "frame": "Astrology", "text": "Stars decide."}\n', encoding="utf-8")
    assert main(["fit-sentence-frames", str(tiny_model), "--data", str(sample_corpus), "--examples", str(bad)]) == 2
    assert "bad.jsonl:1: unknown frame 'Astrology'" in capsys.readouterr().err


def test_thresholds_follow_the_article_labels_without_sentence_gold() -> None:
    """Economic articles have one high-scoring sentence, the others none: the threshold separates them."""
    e = FRAME_INDEX["Economic"]
    scores, targets = [], np.zeros((6, len(FRAMES)))
    for i in range(6):
        article = np.full((10, len(FRAMES)), 0.1)
        if i < 3:
            article[4, e] = 0.9
            targets[i, e] = 1
        scores.append(article)
    economic = fit_thresholds(scores, targets, max_share=0.5)[e]
    assert 0.1 < economic.threshold <= 0.9 and economic.article_fbeta == 1.0 and economic.median_share == 0.1


def test_decoding_own_sentence_frames_needs_no_article_frame() -> None:
    scores = np.zeros(len(FRAMES))
    scores[FRAME_INDEX["Economic"]], scores[FRAME_INDEX["Political"]] = 0.7, 0.4
    thresholds = np.full(len(FRAMES), 0.3)
    article = {FRAME_INDEX["Political"]: 0.8}
    assert sentence_frame_decisions(scores, article, thresholds, own_sentence_frames=True) == {
        FRAME_INDEX["Economic"]: pytest.approx(0.7)}
    # Without the sentence model, as before: only frames the article carries, at the article thresholds.
    assert sentence_frame_decisions(scores, article, thresholds, own_sentence_frames=False) == {
        FRAME_INDEX["Political"]: pytest.approx(0.4)}


def test_build_analysis_lists_a_sentences_own_frames() -> None:
    prepared = PreparedText.from_text("Prices rose. The army attacked.")
    sentence_frames = np.zeros((2, len(FRAMES)), dtype=np.float32)
    sentence_frames[0, FRAME_INDEX["Economic"]] = 0.8
    sentence_frames[1, FRAME_INDEX["Security_and_defense"]] = 0.9
    scores = DocumentScores(np.zeros((len(prepared.words), len(TECHNIQUES))), np.zeros((2, len(TECHNIQUES))),
                            sentence_frames, np.zeros(len(FRAMES)))
    analysis = build_analysis(prepared, scores, Thresholds(), ModelInfo(name="t", version="0"),
                              own_sentence_frames=True)
    assert analysis.frames == []
    assert [[f.label for f in s.frames] for s in analysis.sentences] == [["Economic"], ["Security_and_defense"]]


# -------------------------------------------------------------------------------- the shipped model

MIXED = ("The central bank raised interest rates again as inflation ate into wages and savings. "
         "Soldiers shelled the enemy trenches all night and shot down three attack drones. "
         "Shoppers complained that bread and fuel now cost twice what they did a year ago. "
         "Economists expect the currency to weaken further and exports to fall.")


def test_a_sentence_of_another_frame_gets_its_own_top_frame(analyzer) -> None:
    if not analyzer.own_sentence_frames:
        pytest.skip("the model under test has no sentence-frame model")
    prepared, scores = analyzer.score([MIXED])
    tops = [FRAMES[int(i)] for i in scores[0].sentence_frames.argmax(axis=1)]
    assert len(tops) == 4
    assert tops[1] == "Security_and_defense", tops
    assert tops[1] not in (tops[0], tops[2]), tops
    analysis = analyzer.decode(prepared[0], scores[0])
    assert "Security_and_defense" in [f.label for f in analysis.sentences[1].frames]


def test_article_frame_scores_are_the_served_scorers_own(analyzer) -> None:
    """The sentence-frame model changes sentence frames only: article frames stay as calibrated."""
    if not isinstance(analyzer.scorer, SentenceFrameScorer):
        pytest.skip("the model under test has no sentence-frame model")
    prepared = [PreparedText.from_text(MIXED), PreparedText.from_text("Voters went to the polls on Sunday.")]
    wrapped, base = analyzer.scorer.score(prepared), analyzer.scorer.base.score(prepared)
    for a, b in zip(wrapped, base, strict=True):
        assert np.array_equal(a.article_frames, b.article_frames)
        assert np.array_equal(a.sentence_techniques, b.sentence_techniques)
        assert np.array_equal(a.word_techniques, b.word_techniques)


def test_sentence_frame_model_of_the_shipped_folder_is_small_and_loads() -> None:
    model = ModelFolder.shipped().sentence_frames()
    assert isinstance(model, SentenceFrameModel)
    assert model.settings["folds"] == 5 and model.settings["seed"] == 13
    assert all(0 < t < 1 for t in model.thresholds)
    # It keeps the examples it was fitted with, so `framing retrain` refits a descendant's with them.
    stored = ModelFolder.shipped().sentence_frame_examples()
    assert stored is not None
    assert read_examples(stored) == read_examples(EXAMPLES) and len(read_examples(stored)) == model.settings["examples"]


def test_pretty_lists_the_frames_of_the_sentences_that_carry_them() -> None:
    from rich.console import Console

    from framing.service.pretty import print_pretty

    text = "Prices rose. The army attacked."
    prepared = PreparedText.from_text(text)
    sentence_frames = np.zeros((2, len(FRAMES)), dtype=np.float32)
    sentence_frames[1, FRAME_INDEX["Security_and_defense"]] = 0.9
    scores = DocumentScores(np.zeros((len(prepared.words), len(TECHNIQUES))), np.zeros((2, len(TECHNIQUES))),
                            sentence_frames, np.zeros(len(FRAMES)))
    analysis = build_analysis(prepared, scores, Thresholds(), ModelInfo(name="t", version="0"),
                              own_sentence_frames=True)
    console = Console(record=True, width=200)
    print_pretty(text, analysis, console)
    out = console.export_text()
    assert "Sentence frames" in out
    row = next(line for line in out.splitlines() if "Security_and_defense 0.90" in line)
    assert "The army attacked." in row and "Prices rose." not in row


def test_the_cards_sentence_frame_section_is_replaced_or_added_before_the_limits() -> None:
    from framing.training.model_card import with_sentence_frames

    card = "# Card\n\n## Metrics\nfigures\n\n## Limits\n- few\n"
    added = with_sentence_frames(card, "## Sentence frames\nfirst fit\n")
    assert added.index("## Sentence frames") < added.index("## Limits") and "figures" in added
    replaced = with_sentence_frames(added, "## Sentence frames\nsecond fit\n")
    assert "second fit" in replaced and "first fit" not in replaced and replaced.count("## Sentence frames") == 1
    assert replaced.endswith("## Limits\n- few\n")


def test_one_pass_over_the_text_gives_each_sentence_its_own_word_pieces(analyzer, sample_corpus: Path) -> None:
    """The text is tokenized once; the pieces must be those of each sentence tokenized alone,
    the way the sentence model was fitted (WordPiece splits inside words, never across them)."""
    from framing.model.sentence_frames import sentence_token_ids

    tokenizer = analyzer.scorer.tokenizer
    texts = [d.text for d in read_semeval_folder(sample_corpus)]
    texts.append("Prices rose 4%.\n\nThe court ruled — again — on Monday; “unlawful”, it said.  Émigrés wept.")
    compared = 0
    for text in texts:
        prepared = PreparedText.from_text(text)
        alone = tokenizer([text[s.start:s.end] for s in prepared.sentences], add_special_tokens=False)["input_ids"]
        for pieces, expected in zip(sentence_token_ids(prepared, tokenizer), alone, strict=True):
            assert pieces.tolist() == expected
            compared += 1
    assert compared > 20
