"""Runs the network over prepared texts and lays its probabilities over words and sentences.

With a span memory (model.span_memory), the loaded-word columns of the word scores are blended with
the memory's, looked up from the same pass's token states: one scorer, one forward pass.
"""

from __future__ import annotations

import numpy as np
import torch

from framing.model.network import FramingNetwork
from framing.model.quantization import is_quantized
from framing.model.scores import DocumentScores, PreparedText
from framing.model.span_memory import SpanMemory, blend_memory
from framing.model.taxonomy import FRAMES, TECHNIQUES
from framing.model.windows import EncodedText, encode_text


def window_average(encoded: EncodedText, rows: np.ndarray) -> np.ndarray:
    """[n_tokens, ...] each token's value averaged over the windows that contain it (`rows`: one per
    window, [CLS] first)."""
    sums = np.zeros((len(encoded.token_ids), *rows.shape[2:]), dtype=np.float32)
    counts = np.zeros((len(encoded.token_ids),) + (1,) * (rows.ndim - 2), dtype=np.float32)
    for r, (start, end) in enumerate(encoded.windows):
        sums[start:end] += rows[r, 1 : 1 + end - start]
        counts[start:end] += 1
    return sums / np.maximum(counts, 1)


def word_states(encoded: EncodedText, token_states: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """[mask.sum(), hidden] the mean state of the sub-word tokens of each word `mask` selects."""
    row_of_word = np.where(mask, np.cumsum(mask) - 1, -1)
    rows = np.where(encoded.token_word >= 0, row_of_word[np.clip(encoded.token_word, 0, None)], -1)
    keep = rows >= 0
    index = torch.from_numpy(rows[keep])
    result = torch.zeros((int(mask.sum()), token_states.shape[1])).index_add_(0, index,
                                                                              torch.from_numpy(token_states[keep]))
    counts = torch.zeros(len(result)).index_add_(0, index, torch.ones(len(index)))
    return (result / counts.clamp(min=1)[:, None]).numpy()


def word_probabilities(encoded: EncodedText, token_probabilities: np.ndarray, n_words: int) -> np.ndarray:
    """A word's probability is that of its most confident sub-word token."""
    result = np.zeros((n_words, token_probabilities.shape[1]), dtype=np.float32)
    valid = encoded.token_word >= 0
    np.maximum.at(result, encoded.token_word[valid], token_probabilities[valid])
    return result


class NeuralScorer:
    name = "neural"

    def __init__(self, network: FramingNetwork, tokenizer, window_length: int, stride: int,
                 max_windows_per_batch: int = 16, memory: SpanMemory | None = None) -> None:
        self.network = network.eval()
        self.memory = memory
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
            rows = slice(row, row + len(item.windows))
            row += len(item.windows)
            words = word_probabilities(item, window_average(item, token_probs[rows]), len(documents[i].words))
            if self.memory is not None and output.token_states is not None:
                def states_of(mask: np.ndarray, item=item, rows=rows) -> np.ndarray:
                    states = output.token_states[rows].float().cpu().numpy()
                    return word_states(item, window_average(item, states), mask)

                memory_scores = self.memory.scores(documents[i], words, states_of)
                words = blend_memory(words, memory_scores, self.memory.share)
            results[i] = DocumentScores(
                word_techniques=words,
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
