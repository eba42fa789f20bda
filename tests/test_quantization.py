"""Int8 serving: the manifest decides the arithmetic, training always gets float weights back."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch
from torch import nn

from framing.model.folder import ModelFolder, ModelLoadError
from framing.model.layout import MANIFEST
from framing.model.network import FramingNetwork
from framing.model.neural_scorer import NeuralScorer
from framing.model.quantization import quantize
from framing.model.scores import PreparedText


def dynamic_int8_layers(network: nn.Module) -> int:
    return sum(isinstance(m, torch.ao.nn.quantized.dynamic.Linear) for m in network.modules())


def float_linear_layers(network: nn.Module) -> int:
    return sum(type(m) is nn.Linear for m in network.modules())


def model_with_quantization(source: Path, target: Path, quantization: str) -> Path:
    """A view of `source` whose manifest names `quantization` (other files are links, not copies)."""
    target.mkdir()
    for item in source.iterdir():
        if item.name != MANIFEST:
            (target / item.name).symlink_to(item.resolve())
    manifest = json.loads((source / MANIFEST).read_text())
    (target / MANIFEST).write_text(json.dumps({**manifest, "quantization": quantization}))
    return target


def test_int8_copies_the_network_and_keeps_its_outputs_close(shipped_model_dir: Path) -> None:
    torch.manual_seed(0)
    network = FramingNetwork.from_config(str(shipped_model_dir)).eval()
    assert quantize(network, "none") is network
    quantized = quantize(network, "int8")
    assert quantized is not network
    assert dynamic_int8_layers(quantized) == float_linear_layers(network) > 0
    assert dynamic_int8_layers(network) == 0  # the float network is untouched: it is what gets saved

    ids = torch.randint(1000, 5000, (2, 40))
    mask = torch.ones_like(ids)
    with torch.inference_mode():
        exact = network.encoder(input_ids=ids, attention_mask=mask).last_hidden_state
        approx = quantized.encoder(input_ids=ids, attention_mask=mask).last_hidden_state
    assert torch.nn.functional.cosine_similarity(exact, approx, dim=-1).min() > 0.95


def test_an_unknown_quantization_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown quantization 'int4'"):
        quantize(nn.Linear(2, 2), "int4")


def test_the_manifest_decides_how_the_network_runs(shipped_model_dir: Path, tmp_path: Path) -> None:
    int8 = model_with_quantization(shipped_model_dir, tmp_path / "int8", "int8")
    network, _, manifest, _ = ModelFolder(int8).load_network()
    assert manifest.quantization == "int8" and dynamic_int8_layers(network) > 0
    trainable, _, _, _ = ModelFolder(int8).load_network(trainable=True)
    assert dynamic_int8_layers(trainable) == 0 and float_linear_layers(trainable) > 0

    plain = model_with_quantization(shipped_model_dir, tmp_path / "plain", "none")
    network, _, _, _ = ModelFolder(plain).load_network()
    assert dynamic_int8_layers(network) == 0

    future = model_with_quantization(shipped_model_dir, tmp_path / "future", "int4")
    with pytest.raises(ModelLoadError, match="unknown quantization 'int4'"):
        ModelFolder(future).load_network()



def test_an_int8_document_scores_the_same_alone_and_in_a_batch(shipped_model_dir: Path) -> None:
    """Int8 activations are quantised per forward pass: batching must not change a document's scores."""
    network, tokenizer, manifest, _ = ModelFolder(shipped_model_dir).load_network(trainable=True)
    scorer = NeuralScorer(quantize(network, "int8"), tokenizer, manifest.window_length, manifest.stride)
    texts = ["The regime's thugs looted the town.", "Officials said the bridge reopens on Monday. " * 40]
    prepared = [PreparedText.from_text(text) for text in texts]
    together = scorer.score(prepared)
    for document, batched in zip(prepared, together, strict=True):
        alone = scorer.score([document])[0]
        assert (alone.word_techniques == batched.word_techniques).all()
        assert (alone.sentence_techniques == batched.sentence_techniques).all()
        assert (alone.article_frames == batched.article_frames).all()
