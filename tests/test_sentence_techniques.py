"""The sentence-technique embedding model (issue 14, paragraph F1): fitting, serving, files, training."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from framing.model.analyzer import Analyzer
from framing.model.folder import ModelFolder, ModelLoadError
from framing.model.layout import HASHES, SENTENCE_TECHNIQUE_ARRAYS, SENTENCE_TECHNIQUE_SETTINGS
from framing.model.scores import PreparedText
from framing.model.sentence_techniques import (
    SentenceTechniqueFormatError,
    SentenceTechniqueModel,
    blend_sentence_techniques,
)
from framing.model.taxonomy import TECHNIQUE_INDEX, TECHNIQUES
from framing.training.config import TrainConfig
from framing.training.documents import Document, GoldSpan
from framing.training.readers import read_semeval_folder
from framing.training.sentence_techniques import fit_sentence_techniques, sentence_labels

SLURS = ["thugs", "goons", "brutes", "savages", "vermin", "scum"]
NEUTRAL = "The officials met on Monday and the meeting ended in the afternoon."
NAME_CALLING = TECHNIQUE_INDEX["Name_Calling-Labeling"]


@pytest.fixture(scope="module")
def tokenizer():
    from transformers import AutoTokenizer

    from framing.model.encoder import pretrained_encoder_path

    return AutoTokenizer.from_pretrained(pretrained_encoder_path())


def _table(tokenizer, dim: int = 8, seed: int = 0) -> np.ndarray:
    """A toy embedding space in which the insults lie near one direction and every other piece near
    the origin: what a pretrained table gives related words, in miniature."""
    rng = np.random.default_rng(seed)
    table = rng.normal(0, 0.05, (tokenizer.vocab_size, dim)).astype(np.float32)
    for word in SLURS:
        for piece in tokenizer(word, add_special_tokens=False)["input_ids"]:
            table[piece, 0] += 1.0
    return table


def _documents(words: list[str], count: int) -> list[Document]:
    """Two-sentence articles: a neutral sentence, then one calling people by an insult (marked)."""
    documents = []
    for i in range(count):
        word = words[i % len(words)]
        second = f"The {word} of the regime marched in."
        text = f"{NEUTRAL} {second}"
        start = text.index(word)
        documents.append(Document(id=f"d{i}", text=text,
                                  spans=[GoldSpan("Name_Calling-Labeling", start, start + len(word))]))
    return documents


def test_a_sentence_is_positive_where_a_gold_span_overlaps_it() -> None:
    document = _documents(["thugs"], 1)[0]
    gold = sentence_labels(document, PreparedText.from_text(document.text))
    assert gold.shape == (2, len(TECHNIQUES))
    assert not gold[0].any() and gold[1, NAME_CALLING] and gold[1].sum() == 1


def test_it_generalises_to_insults_no_training_sentence_used(tokenizer) -> None:
    """Trained on three insults, it scores sentences with the other three above neutral ones; a
    technique with too few positive sentences gets its rate, the same for every sentence."""
    table = _table(tokenizer)
    model = fit_sentence_techniques(_documents(SLURS[:3], 12), tokenizer, table)
    assert model is not None and model.settings["techniques_fitted"] == ["Name_Calling-Labeling"]
    assert model.settings["sentences"] == 24
    unseen = [PreparedText.from_text(f"{NEUTRAL} The {word} of the regime marched in.") for word in SLURS[3:]]
    for scores in model.score(unseen, tokenizer, table):
        assert scores.shape == (2, len(TECHNIQUES))
        assert scores[1, NAME_CALLING] > 0.5 > scores[0, NAME_CALLING]
        doubt = TECHNIQUE_INDEX["Doubt"]
        assert scores[0, doubt] == scores[1, doubt] < 0.05
    assert fit_sentence_techniques([Document(id="a", text="One.")], tokenizer, table) is None


def test_files_round_trip_and_bad_files_are_refused(tokenizer, tmp_path: Path, sample_corpus: Path) -> None:
    table = _table(tokenizer)
    model = fit_sentence_techniques(read_semeval_folder(sample_corpus), tokenizer, table)
    assert model is not None
    model.save(tmp_path)
    loaded = SentenceTechniqueModel.load(tmp_path)
    text = [PreparedText.from_text("The thugs came. Nobody spoke.")]
    assert np.allclose(loaded.score(text, tokenizer, table)[0], model.score(text, tokenizer, table)[0], atol=1e-6)
    with pytest.raises(SentenceTechniqueFormatError, match="features"):
        loaded.check_shapes("here", vocabulary=table.shape[0], dim=table.shape[1] + 1)
    settings = json.loads((tmp_path / SENTENCE_TECHNIQUE_SETTINGS).read_text())
    (tmp_path / SENTENCE_TECHNIQUE_SETTINGS).write_text(json.dumps({**settings, "techniques": TECHNIQUES[::-1]}))
    with pytest.raises(SentenceTechniqueFormatError, match="technique order"):
        SentenceTechniqueModel.load(tmp_path)
    (tmp_path / SENTENCE_TECHNIQUE_SETTINGS).write_text(json.dumps({**settings, "format": "other/1"}))
    with pytest.raises(SentenceTechniqueFormatError,
                       match=r"format 'other/1', expected 'framing-sentence-techniques/1'"):
        SentenceTechniqueModel.load(tmp_path)


def test_a_served_folder_blends_its_sentence_techniques(tmp_path: Path, sample_corpus: Path,
                                                        tiny_encoder: Path) -> None:
    """Analyzer.load wraps the scorer when the manifest gives the model a share: sentence techniques
    blend, word scores and frames do not; the folder's hashes cover its files; a missing file is a
    load error, not a silent fallback."""
    from transformers import AutoTokenizer

    from framing.model.embedding_regression import embedding_table
    from framing.model.manifest import Manifest
    from framing.model.network import FramingNetwork
    from framing.model.thresholds import Thresholds

    network = FramingNetwork.from_pretrained(str(tiny_encoder))
    tiny_tokenizer = AutoTokenizer.from_pretrained(str(tiny_encoder))
    model = fit_sentence_techniques(read_semeval_folder(sample_corpus), tiny_tokenizer, embedding_table(network))
    assert model is not None
    plain, blended = ModelFolder(tmp_path / "plain"), ModelFolder(tmp_path / "blended")
    plain.save(network, tiny_tokenizer, Manifest(), Thresholds())
    blended.save(network, tiny_tokenizer, Manifest(sentence_technique_weight=0.25), Thresholds(),
                 sentence_techniques=model)
    hashed = json.loads((blended.path / HASHES).read_text())["sha256"]
    assert {SENTENCE_TECHNIQUE_SETTINGS, SENTENCE_TECHNIQUE_ARRAYS} <= set(hashed)
    text = "The thugs of the regime marched in. The court said nothing."
    base = Analyzer.load(plain.path).score([text])[1][0]
    served = Analyzer.load(blended.path).score([text])[1][0]
    own = model.score([PreparedText.from_text(text)], tiny_tokenizer, embedding_table(blended.load_network()[0]))[0]
    assert own.shape == base.sentence_techniques.shape == (2, len(TECHNIQUES))
    assert np.allclose(served.sentence_techniques, 0.75 * base.sentence_techniques + 0.25 * own, atol=1e-5)
    assert np.allclose(served.word_techniques, base.word_techniques)
    assert np.allclose(served.article_frames, base.article_frames)
    assert blend_sentence_techniques([base], [own], 1.0)[0].sentence_techniques == pytest.approx(own)
    assert Analyzer.load(blended.path).analyze(text).sentences  # decodes end to end
    # Saved again without the model: its files go; a manifest that still asks for them fails to load.
    blended.save(network, tiny_tokenizer, Manifest(), Thresholds())
    assert not (blended.path / SENTENCE_TECHNIQUE_ARRAYS).exists()
    (blended.path / "framing.json").write_text(json.dumps({**json.loads((blended.path / "framing.json").read_text()),
                                                           "sentence_technique_weight": 0.25}))
    with pytest.raises(ModelLoadError, match="sentence_techniques"):
        Analyzer.load(blended.path)


def test_an_empty_document_scores_no_sentence(tokenizer) -> None:
    table = _table(tokenizer)
    model = fit_sentence_techniques(_documents(SLURS[:3], 12), tokenizer, table)
    assert model is not None
    assert model.score([PreparedText.from_text("")], tokenizer, table)[0].shape == (0, len(TECHNIQUES))


@pytest.mark.slow
def test_framing_train_fits_it_when_the_config_gives_it_a_share(sample_corpus: Path, tmp_path: Path,
                                                                caplog: pytest.LogCaptureFixture) -> None:
    """The `framing train` path (also `retrain` and `calibrate`): fitted on the training articles,
    judged with the rest, recorded in the manifest and the card, and served. A sentence stack asked
    of it is not fitted (no out-of-fold scores): the folder serves the blend, and says so."""
    import logging

    from framing.model.layout import SENTENCE_STACK
    from framing.model.manifest import Manifest
    from framing.training.train import train

    config = TrainConfig(max_steps=2, heldout_fraction=0.34, threads=1, fold_assignments=1,
                         sentence_technique_weight=0.2, version="st", sentence_stack=True)
    with caplog.at_level(logging.WARNING, logger="framing.train"):
        train(read_semeval_folder(sample_corpus), tmp_path / "model", config)
    assert "only `framing crossval` has: this folder serves the fixed blend" in caplog.text
    assert not (tmp_path / "model" / SENTENCE_STACK).exists()
    assert Manifest.load(tmp_path / "model").sentence_technique_weight == 0.2
    assert (tmp_path / "model" / SENTENCE_TECHNIQUE_ARRAYS).is_file()
    assert "Sentence technique scores blend in, at share 0.2" in (tmp_path / "model" / "MODEL_CARD.md").read_text()
    held = set(json.loads((tmp_path / "model" / "metrics.json").read_text())["split"]["heldout_ids"])
    assert ModelFolder(tmp_path / "model").sentence_techniques().settings["documents"] == sum(
        1 for d in read_semeval_folder(sample_corpus) if d.id not in held)
    analyzer = Analyzer.load(tmp_path / "model")
    assert type(analyzer.scorer.base).__name__ == "SentenceTechniqueScorer"
    assert analyzer.analyze("Troops crossed the border at dawn.").sentences


def test_the_text_is_encoded_once_for_every_model_reading_its_word_pieces(tokenizer, monkeypatch) -> None:
    """Article frames, sentence frames and sentence techniques each read the text's word pieces: one
    encode between them per tokenizer, the same pieces as encoding afresh."""
    from framing.model import sentence_frames
    from framing.model.article_frames import article_token_ids
    from framing.model.sentence_frames import plain_encoding, sentence_token_ids

    calls: list[object] = []

    def counting(tok, text):
        calls.append(tok)
        return plain_encoding(tok, text)

    monkeypatch.setattr(sentence_frames, "plain_encoding", counting)
    prepared = PreparedText.from_text("The thugs came at night. Nobody spoke to the court.")
    pieces = sentence_token_ids(prepared, tokenizer)
    whole = article_token_ids(prepared, tokenizer)
    assert sentence_token_ids(prepared, tokenizer)[1].tolist() == pieces[1].tolist()
    assert len(calls) == 1
    assert np.concatenate(pieces).tolist() == whole.tolist() == plain_encoding(tokenizer, prepared.text).ids
    other = type(tokenizer).from_pretrained(tokenizer.name_or_path)
    sentence_token_ids(prepared, other)
    assert len(calls) == 2, "another tokenizer is not served the first one's pieces"
