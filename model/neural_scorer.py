"""Runs the network over prepared texts and lays its probabilities over words and sentences."""

from __future__ import annotations

import numpy as np
import torch

from framing.model.network import FramingNetwork
from framing.model.quantization import is_quantized
from framing.model.scores import DocumentScores, PreparedText
from framing.model.taxonomy import FRAMES, TECHNIQUES
from framing.model.windows import EncodedText, encode_text


def word_probabilities(encoded: EncodedText, token_probabilities: np.ndarray, n_words: int) -> np.ndarray:
    """A word's probability is that of its most confident sub-word token."""
    result = np.zeros((n_words, token_probabilities.shape[1]), dtype=np.float32)
    valid = encoded.token_word >= 0
    np.maximum.at(result, encoded.token_word[valid], token_probabilities[valid])
    return result


class NeuralScorer:
    name = "neural"

    def __init__(self, network: FramingNetwork, tokenizer, window_length: int, stride: int,
                 max_windows_per_batch: int = 16) -> None:
        self.network = network.eval()
        self.tokenizer = tokenizer
        self.window_length = window_length
        self.stride = stride
        self.max_windows_per_batch = max_windows_per_batch
        # An int8 network quantises activations with one scale per forward pass, so a document
        # batched with others would score differently than alone: it gets a pass of its own.
        self.share_batches = not is_quantized(network)

    def encode(self, prepared: PreparedText) -> EncodedText:
        return encode_text(prepared, self.tokenizer, self.window_length, self.stride)

    def forward(self, encoded: list[EncodedText]):
        return self.network(encoded, self.tokenizer.cls_token_id, self.tokenizer.sep_token_id,
                            self.tokenizer.pad_token_id)

    @torch.inference_mode()
    def score(self, documents: list[PreparedText]) -> list[DocumentScores]:
        encoded = [self.encode(document) for document in documents]
        results: list[DocumentScores | None] = [None] * len(documents)
        batch: list[int] = []
        windows = 0
        for i, item in enumerate(encoded):
            if len(item.token_ids) == 0:
                results[i] = self._empty(documents[i])
                continue
            if batch and (not self.share_batches or windows + len(item.windows) > self.max_windows_per_batch):
                self._score_batch(documents, encoded, batch, results)
                batch, windows = [], 0
            batch.append(i)
            windows += len(item.windows)
        if batch:
            self._score_batch(documents, encoded, batch, results)
        return [r for r in results if r is not None]

    def _score_batch(self, documents, encoded, batch, results) -> None:
        output = self.forward([encoded[i] for i in batch])
        token_probs = torch.sigmoid(output.token_logits.float()).cpu().numpy()
        row = 0
        for k, i in enumerate(batch):
            item = encoded[i]
            sums = np.zeros((len(item.token_ids), len(TECHNIQUES)), dtype=np.float32)
            counts = np.zeros((len(item.token_ids), 1), dtype=np.float32)
            for start, end in item.windows:
                sums[start:end] += token_probs[row, 1 : 1 + end - start]
                counts[start:end] += 1
                row += 1
            tokens = sums / np.maximum(counts, 1)
            results[i] = DocumentScores(
                word_techniques=word_probabilities(item, tokens, len(documents[i].words)),
                sentence_techniques=torch.sigmoid(output.sentence_logits[k].float()).cpu().numpy(),
                sentence_frames=torch.sigmoid(output.sentence_frame_logits[k].float()).cpu().numpy(),
                article_frames=torch.sigmoid(output.article_frame_logits[k].float()).cpu().numpy(),
            )

    @staticmethod
    def _empty(document: PreparedText) -> DocumentScores:
        n_sentences = len(document.sentences)
        return DocumentScores(
            word_techniques=np.zeros((len(document.words), len(TECHNIQUES)), dtype=np.float32),
            sentence_techniques=np.zeros((n_sentences, len(TECHNIQUES)), dtype=np.float32),
            sentence_frames=np.zeros((n_sentences, len(FRAMES)), dtype=np.float32),
            article_frames=np.zeros(len(FRAMES), dtype=np.float32),
        )
