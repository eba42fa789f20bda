"""The article-frame embedding model (issue 14, item 5): fitting, serving, files, training paths."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from framing.model.analyzer import Analyzer
from framing.model.article_frames import (
    ArticleFrameFormatError,
    ArticleFrameModel,
    article_token_ids,
    blend_article_frames,
)
from framing.model.folder import ModelFolder, ModelLoadError
from framing.model.layout import ARTICLE_FRAME_ARRAYS, ARTICLE_FRAME_SETTINGS, HASHES
from framing.model.scores import PreparedText
from framing.model.taxonomy import FRAME_INDEX, FRAMES
from framing.training.article_frames import fit_article_frames
from framing.training.config import TrainConfig
from framing.training.documents import Document
from framing.training.readers import read_semeval_folder

SECURITY, LEGALITY = "Security_and_defense", "Legality_Constitutionality_and_jurisprudence"
MILITARY = ["soldiers", "troops", "army", "tanks", "artillery", "battalion"]
COURTS = ["court", "judge", "lawsuit", "verdict", "attorney", "prosecutor"]
FILLER = "the report said on monday that the situation in the region was being watched by many people"


@pytest.fixture(scope="module")
def tokenizer():
    from transformers import AutoTokenizer

    from framing.model.encoder import pretrained_encoder_path

    return AutoTokenizer.from_pretrained(pretrained_encoder_path())


def _table(tokenizer, dim: int = 8, seed: int = 0) -> np.ndarray:
    """A toy embedding space: military words lie near one direction, court words near another, the
    rest near the origin: what a pretrained table gives related words, in miniature."""
    rng = np.random.default_rng(seed)
    table = rng.normal(0, 0.05, (tokenizer.vocab_size, dim)).astype(np.float32)
    for words, axis in ((MILITARY, 0), (COURTS, 1)):
        for word in words:
            for piece in tokenizer(word, add_special_tokens=False)["input_ids"]:
                table[piece, axis] += 1.0
    return table


def _articles(words: list[str], frame: str, count: int, start: int) -> list[Document]:
    return [Document(id=f"{frame[:3]}{start + i}", frames=[frame],
                     text=f"{FILLER} {words[i % len(words)]} {words[(i + 1) % len(words)]}.") for i in range(count)]


def test_it_generalises_to_related_words_no_training_article_used(tokenizer) -> None:
    """Trained on three words of each group, it scores articles written with the other three: what
    TF-IDF, which knows only the words it saw, cannot do."""
    table = _table(tokenizer)
    training = (_articles(MILITARY[:3], SECURITY, 12, 0) + _articles(COURTS[:3], LEGALITY, 12, 100)
                + [Document(id="unframed", text=FILLER, frames=None)])
    model = fit_article_frames(training, tokenizer, table)
    assert model is not None and model.settings["articles"] == 24, "articles without frame labels are left out"
    unseen = [PreparedText.from_text(f"{FILLER} {MILITARY[3]} {MILITARY[4]} {MILITARY[5]}."),
              PreparedText.from_text(f"{FILLER} {COURTS[3]} {COURTS[4]} {COURTS[5]}.")]
    military, courts = model.score(unseen, tokenizer, table)
    s, legal = FRAME_INDEX[SECURITY], FRAME_INDEX[LEGALITY]
    assert military[s] > 0.5 > military[legal]
    assert courts[legal] > 0.5 > courts[s]
    # A frame no training article has is scored at a low constant rate, the same for every article.
    crime = FRAME_INDEX["Crime_and_punishment"]
    assert military[crime] == courts[crime] < 0.05


def test_it_needs_framed_articles(tokenizer) -> None:
    assert fit_article_frames([Document(id="a", text="words", frames=None)], tokenizer, _table(tokenizer)) is None


def test_files_round_trip_and_bad_files_are_refused(tokenizer, tmp_path: Path, sample_corpus: Path) -> None:
    table = _table(tokenizer)
    model = fit_article_frames(read_semeval_folder(sample_corpus), tokenizer, table)
    assert model is not None
    model.save(tmp_path)
    loaded = ArticleFrameModel.load(tmp_path)
    text = [PreparedText.from_text("Troops and tanks rolled past the court.")]
    assert np.allclose(loaded.score(text, tokenizer, table)[0], model.score(text, tokenizer, table)[0], atol=1e-6)
    with pytest.raises(ArticleFrameFormatError, match="features"):
        loaded.check_shapes("here", vocabulary=table.shape[0], dim=table.shape[1] + 1)
    settings = json.loads((tmp_path / ARTICLE_FRAME_SETTINGS).read_text())
    (tmp_path / ARTICLE_FRAME_SETTINGS).write_text(json.dumps({**settings, "frames": FRAMES[::-1]}))
    with pytest.raises(ArticleFrameFormatError, match="frame order"):
        ArticleFrameModel.load(tmp_path)
    (tmp_path / ARTICLE_FRAME_SETTINGS).write_text(json.dumps(settings))
    (tmp_path / ARTICLE_FRAME_ARRAYS).write_bytes(b"not safetensors")
    with pytest.raises(ArticleFrameFormatError, match="cannot read"):
        ArticleFrameModel.load(tmp_path)


def test_the_token_ids_are_the_whole_article_without_special_tokens(tokenizer) -> None:
    ids = article_token_ids(PreparedText.from_text("Troops crossed. The court ruled."), tokenizer)
    assert tokenizer.decode(ids) == "troops crossed. the court ruled."


def test_a_served_folder_blends_its_article_frames(tokenizer, tmp_path: Path, sample_corpus: Path,
                                                   tiny_encoder: Path) -> None:
    """Analyzer.load wraps the scorer when the manifest gives the model a share; the folder's hashes
    cover its files; a missing file is a load error, not a silent fallback."""
    from transformers import AutoTokenizer

    from framing.model.embedding_regression import embedding_table
    from framing.model.manifest import Manifest
    from framing.model.network import FramingNetwork
    from framing.model.thresholds import Thresholds

    network = FramingNetwork.from_pretrained(str(tiny_encoder))
    tiny_tokenizer = AutoTokenizer.from_pretrained(str(tiny_encoder))
    table = embedding_table(network)
    model = fit_article_frames(read_semeval_folder(sample_corpus), tiny_tokenizer, table)
    assert model is not None
    plain, blended = ModelFolder(tmp_path / "plain"), ModelFolder(tmp_path / "blended")
    plain.save(network, tiny_tokenizer, Manifest(), Thresholds())
    blended.save(network, tiny_tokenizer, Manifest(article_frame_weight=0.4), Thresholds(), article_frames=model)
    hashed = json.loads((blended.path / HASHES).read_text())["sha256"]
    assert {ARTICLE_FRAME_SETTINGS, ARTICLE_FRAME_ARRAYS} <= set(hashed)
    text = "Troops and tanks rolled in. The court said nothing."
    base = Analyzer.load(plain.path).score([text])[1][0]
    served = Analyzer.load(blended.path).score([text])[1][0]
    own = model.score([PreparedText.from_text(text)], tiny_tokenizer, embedding_table(blended.load_network()[0]))[0]
    assert np.allclose(served.article_frames, 0.6 * base.article_frames + 0.4 * own, atol=1e-5)
    assert np.allclose(served.sentence_techniques, base.sentence_techniques)
    assert blend_article_frames([base], [own], 1.0)[0].article_frames == pytest.approx(own)
    # Saved again without the model: its files go, and the manifest no longer asks for them.
    blended.save(network, tiny_tokenizer, Manifest(), Thresholds())
    assert not (blended.path / ARTICLE_FRAME_ARRAYS).exists()
    (blended.path / "framing.json").write_text(json.dumps({**json.loads((blended.path / "framing.json").read_text()),
                                                           "article_frame_weight": 0.4}))
    with pytest.raises(ModelLoadError, match="article_frames"):
        Analyzer.load(blended.path)


@pytest.mark.slow
def test_framing_train_fits_it_when_the_config_gives_it_a_share(sample_corpus: Path, tmp_path: Path) -> None:
    """The `framing train` path (also `retrain` and `calibrate`): fitted on the training articles,
    judged with the rest, recorded in the manifest and served."""
    from framing.model.manifest import Manifest
    from framing.training.train import train

    config = TrainConfig(max_steps=2, heldout_fraction=0.34, threads=1, fold_assignments=1,
                         frame_lexical_weight=0.8, article_frame_weight=0.3, version="af")
    train(read_semeval_folder(sample_corpus), tmp_path / "model", config)
    manifest = Manifest.load(tmp_path / "model")
    assert (manifest.frame_lexical_weight, manifest.article_frame_weight) == (0.8, 0.3)
    assert (tmp_path / "model" / ARTICLE_FRAME_ARRAYS).is_file()
    card = (tmp_path / "model" / "MODEL_CARD.md").read_text()
    assert "its share 0.5 of sentence technique scores, 0.8 of frame scores" in card
    assert "Article frames blend in, at share 0.3" in card
    held = set(json.loads((tmp_path / "model" / "metrics.json").read_text())["split"]["heldout_ids"])
    assert ModelFolder(tmp_path / "model").article_frames().settings["articles"] == sum(
        1 for d in read_semeval_folder(sample_corpus) if d.frames is not None and d.id not in held)
    assert Analyzer.load(tmp_path / "model").analyze("Troops crossed the border at dawn.").frames is not None


def test_the_whole_article_is_read_whatever_the_tokenizer_was_last_set_to(tokenizer) -> None:
    """MiniLM's saved tokenizer pads and truncates to 128 pieces until a call resets it: a long
    article must still give all of its pieces, and a short one no padding."""
    long_text = PreparedText.from_text(" ".join(["The troops advanced."] * 100))
    tokenizer.backend_tokenizer.enable_truncation(128)
    tokenizer.backend_tokenizer.enable_padding(length=128)
    assert len(article_token_ids(long_text, tokenizer)) == 400
    tokenizer.backend_tokenizer.enable_padding(length=128)
    assert len(article_token_ids(PreparedText.from_text("Troops crossed."), tokenizer)) == 3
