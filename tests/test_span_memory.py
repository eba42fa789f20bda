"""The nearest-neighbour memory of annotated loaded words (model.span_memory): its lookup, its files,
its blend into the served word scores, and the same blend rebuilt by `framing crossval` from recorded
raw scores, so the thresholds a run fits are those of the scores the folder serves."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
import torch

from framing.model.analyzer import Analyzer
from framing.model.folder import ModelFolder, ModelLoadError
from framing.model.layout import SPAN_MEMORY_ARRAYS, SPAN_MEMORY_FILES, SPAN_MEMORY_SETTINGS
from framing.model.neural_scorer import NeuralScorer, window_average, word_states
from framing.model.scores import PreparedText
from framing.model.span_memory import COLUMNS, SpanMemory, SpanMemoryFormatError, blend_memory, candidates
from framing.model.taxonomy import TECHNIQUE_INDEX, TECHNIQUES
from framing.model.windows import encode_text
from framing.service.cli import main
from framing.training.config import TrainConfig
from framing.training.readers import read_semeval_folder
from framing.training.span_memory_fit import fit_span_memory, recorded_memory_scores, with_recorded_memory

TINY = {"max_steps": 2, "checkpoint_every": 2, "heldout_fraction": 0.34, "threads": 1, "fold_assignments": 1}


def toy_memory(share: float = 0.5, floor: float = 0.05) -> SpanMemory:
    """Four stored words in a 3-wide state space, projected onto its first two axes: two annotated
    ones along +x, two others along +y."""
    keys = np.array([[1, 0], [0.9, 0.1], [0, 1], [0.1, 0.9]], dtype=np.float32)
    keys /= np.linalg.norm(keys, axis=1, keepdims=True)
    arrays = {"keys": keys, "labels": np.array([1, 1, 0, 0], dtype=np.float32),
              "weights": np.array([1, 1, 3, 3], dtype=np.float32), "mean": np.zeros(3, dtype=np.float32),
              "projection": np.array([[1, 0], [0, 1], [0, 0]], dtype=np.float32)}
    return SpanMemory(arrays, share=share, floor=floor, neighbours=2)


def test_a_word_scores_the_weighted_share_of_annotated_words_among_its_nearest() -> None:
    memory = toy_memory()
    scores = memory.lookup(np.array([[5, 0.2, 7], [0.1, 4, -2], [1, 1, 0]], dtype=np.float32))
    assert scores[0] == pytest.approx(1.0) and scores[1] == pytest.approx(0.0)
    # Halfway: the nearest two are one of each kind; the other stands for three words, so it weighs more.
    assert 0.0 < scores[2] < 0.5
    assert memory.lookup(np.zeros((0, 3), dtype=np.float32)).shape == (0,)


def test_only_alphabetic_words_the_network_already_suspects_are_looked_up() -> None:
    prepared = PreparedText.from_text("Thugs , 42 marched")
    words = np.zeros((4, len(TECHNIQUES)), dtype=np.float32)
    words[:, TECHNIQUE_INDEX["Name_Calling-Labeling"]] = [0.3, 0.9, 0.9, 0.01]
    words[:, TECHNIQUE_INDEX["Doubt"]] = 0.9  # another technique's score never makes a candidate
    assert candidates(prepared, words, 0.05).tolist() == [True, False, False, False]
    asked: list[np.ndarray] = []

    def states(mask: np.ndarray) -> np.ndarray:
        asked.append(mask.copy())
        return np.tile([[2.0, 0.0, 0.0]], (int(mask.sum()), 1)).astype(np.float32)

    memory = toy_memory(share=0.5)
    scores = memory.scores(prepared, words, states)
    assert asked[0].tolist() == [True, False, False, False], "states are computed for the candidates only"
    assert scores.tolist() == pytest.approx([1.0, 0.0, 0.0, 0.0])
    blended = blend_memory(words, scores, memory.share)
    for column in COLUMNS:
        assert blended[:, column] == pytest.approx(0.5 * words[:, column] + 0.5 * scores)
    others = [c for c in range(len(TECHNIQUES)) if c not in COLUMNS]
    assert np.array_equal(blended[:, others], words[:, others])
    assert np.array_equal(blend_memory(words, scores, 0.0), words)


def test_word_states_average_each_word_over_its_pieces_and_windows() -> None:
    from transformers import AutoTokenizer

    from framing.model.encoder import pretrained_encoder_path

    tokenizer = AutoTokenizer.from_pretrained(pretrained_encoder_path())
    prepared = PreparedText.from_text("Unbelievably corrupt warmongers " * 12)
    encoded = encode_text(prepared, tokenizer, 16, 8)
    assert len(encoded.windows) > 1
    width = max(end - start for start, end in encoded.windows) + 2
    rows = np.random.default_rng(0).normal(size=(len(encoded.windows), width, 5)).astype(np.float32)
    tokens = window_average(encoded, rows)
    expected = np.zeros((len(encoded.token_ids), 5))
    for t in range(len(encoded.token_ids)):
        inside = [rows[r, 1 + t - start] for r, (start, end) in enumerate(encoded.windows) if start <= t < end]
        expected[t] = np.mean(inside, axis=0)
    assert tokens == pytest.approx(expected, abs=1e-5)
    mask = np.zeros(len(prepared.words), dtype=bool)
    mask[[0, 2, 7]] = True
    states = word_states(encoded, tokens, mask)
    for row, word in enumerate([0, 2, 7]):
        pieces = np.flatnonzero(encoded.token_word == word)
        assert len(pieces) >= 1
        assert states[row] == pytest.approx(tokens[pieces].mean(axis=0), abs=1e-5)


def test_the_memory_files_round_trip_and_bad_ones_are_refused(tmp_path: Path) -> None:
    memory = toy_memory(share=0.4, floor=0.1)
    memory.save(tmp_path)
    loaded = SpanMemory.load(tmp_path)
    assert (loaded.share, loaded.floor, loaded.neighbours, loaded.power) == (0.4, 0.1, 2, 4.0)
    query = np.array([[1, 1, 0], [3, 0.5, 1]], dtype=np.float32)
    assert loaded.lookup(query) == pytest.approx(memory.lookup(query), abs=1e-3), "keys are kept in fp16"

    settings = json.loads((tmp_path / SPAN_MEMORY_SETTINGS).read_text())
    (tmp_path / SPAN_MEMORY_SETTINGS).write_text(json.dumps({**settings, "techniques": ["Doubt"]}))
    with pytest.raises(SpanMemoryFormatError, match="other techniques"):
        SpanMemory.load(tmp_path)
    (tmp_path / SPAN_MEMORY_SETTINGS).write_text(json.dumps({**settings, "share": 3}))
    with pytest.raises(SpanMemoryFormatError, match=r"\[0, 1\]"):
        SpanMemory.load(tmp_path)
    (tmp_path / SPAN_MEMORY_SETTINGS).write_text(json.dumps(settings))
    broken = replace(memory, arrays={**memory.arrays, "labels": np.ones(3, dtype=np.float32)})
    broken.save(tmp_path)
    with pytest.raises(SpanMemoryFormatError, match="labels"):
        SpanMemory.load(tmp_path)
    (tmp_path / SPAN_MEMORY_ARRAYS).write_bytes(b"not safetensors")
    with pytest.raises(SpanMemoryFormatError, match="cannot read"):
        SpanMemory.load(tmp_path)


@pytest.mark.slow
def test_a_trained_folder_serves_its_memory_blended_into_the_loaded_word_scores(
        sample_corpus: Path, tmp_path: Path) -> None:
    config = tmp_path / "settings.json"
    config.write_text(json.dumps({**TINY, "span_memory_share": 0.5, "span_memory_floor": 0.0}))
    model = tmp_path / "model"
    assert main(["train", "--data", str(sample_corpus), "-o", str(model), "--config", str(config)]) == 0
    folder = ModelFolder(model)
    memory = folder.span_memory()
    assert memory is not None and memory.share == 0.5 and memory.floor == 0.0
    heldout = folder.heldout_ids() or set()
    train_docs = [d for d in read_semeval_folder(sample_corpus) if d.id not in heldout]
    annotated = sum(1 for d in train_docs for s in d.spans if s.technique in ("Loaded_Language",
                                                                                "Name_Calling-Labeling"))
    assert annotated > 0 and memory.settings["annotated_words"] >= annotated
    assert memory.settings["documents"] == len(train_docs), "the memory holds training documents only"
    assert set(SPAN_MEMORY_FILES) <= set(json.loads((model / "hashes.json").read_text())["sha256"])

    analyzer = Analyzer.load(model)
    scorer = analyzer.scorer
    while not isinstance(scorer, NeuralScorer):
        scorer = getattr(scorer, "neural", None) or scorer.base  # type: ignore[attr-defined]
    assert scorer.memory is not None
    prepared = PreparedText.from_text("The regime's thugs and hired goons beat the protesters again.")
    served = scorer.score([prepared])[0].word_techniques
    scorer.memory = None
    alone = scorer.score([prepared])[0].word_techniques
    scorer.memory = memory
    # Rebuilt from recorded raw scores as `framing crossval` rebuilds them: the same numbers.
    raw = replace(memory, share=1.0, floor=0.0)
    recorded = NeuralScorer(scorer.network, scorer.tokenizer, scorer.window_length, scorer.stride, memory=raw)
    network_only = replace(scorer.score([prepared])[0], word_techniques=alone)
    rebuilt = with_recorded_memory([prepared], [network_only], recorded.score([prepared]), memory.share,
                                   memory.floor)[0].word_techniques
    assert served == pytest.approx(rebuilt, abs=1e-5)
    assert not np.allclose(served[:, COLUMNS], alone[:, COLUMNS]), "the memory moved the loaded-word scores"
    others = [c for c in range(len(TECHNIQUES)) if c not in COLUMNS]
    assert served[:, others] == pytest.approx(alone[:, others], abs=1e-6)
    analyzer.analyze("The regime's thugs beat the protesters.", "x")

    # Files out of step with each other are refused when the folder loads.
    (model / SPAN_MEMORY_ARRAYS).unlink()
    with pytest.raises(ModelLoadError, match=r"span_memory\.safetensors is missing"):
        ModelFolder(model).span_memory()


@pytest.mark.slow
def test_no_share_no_memory_and_a_rewritten_folder_drops_the_old_one(sample_corpus: Path, tmp_path: Path) -> None:
    config = tmp_path / "settings.json"
    config.write_text(json.dumps(TINY))
    model = tmp_path / "model"
    assert main(["train", "--data", str(sample_corpus), "-o", str(model), "--config", str(config)]) == 0
    assert ModelFolder(model).span_memory() is None
    assert not any((model / name).exists() for name in SPAN_MEMORY_FILES)
    toy_memory().save(model)  # as if left by an earlier run into the same folder
    assert main(["train", "--data", str(sample_corpus), "-o", str(model), "--config", str(config)]) == 0
    assert not any((model / name).exists() for name in SPAN_MEMORY_FILES), "fitted on another network"


def test_documents_without_loaded_spans_give_no_memory(sample_corpus: Path, tiny_encoder: Path,
                                                        caplog: pytest.LogCaptureFixture) -> None:
    from framing.training.train import initial_network

    config = TrainConfig(**TINY, encoder_path=str(tiny_encoder), span_memory_share=0.5)
    network, tokenizer, _ = initial_network(config, None)
    documents = [replace(d, spans=[s for s in d.spans if s.technique not in ("Loaded_Language",
                                                                             "Name_Calling-Labeling")])
                 for d in read_semeval_folder(sample_corpus)]
    scorer = NeuralScorer(network, tokenizer, config.window_length, config.stride)
    with caplog.at_level("WARNING"):
        assert fit_span_memory(scorer, documents, 0.5, 0.05, seed=1) is None
    assert "without a span memory" in caplog.text
    full = read_semeval_folder(sample_corpus)
    torch.manual_seed(0)
    fitted = recorded_memory_scores(network, tokenizer, config, full[:-2], full[-2:])
    assert fitted is not None
    memory, raw = fitted
    assert memory.size > 0 and len(raw) == 2
    assert memory.settings["stored_annotated"] == memory.settings["annotated_words"], "all kept: few words"
    sampled = fit_span_memory(scorer, full, 0.5, 0.05, seed=1, others=5)
    assert sampled is not None and sampled.settings["stored_other"] == 5
    assert sampled.size == sampled.settings["annotated_words"] + 5
    assert sampled.arrays["weights"][-1] == pytest.approx(sampled.settings["other_words"] / 5), "stands for many"
