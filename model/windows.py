"""Sub-word tokens of a whole text, cut into overlapping windows the encoder can read.

Every sentence is pooled in the one window where it sits furthest from the edges, so each
sentence sees as much context as the window allows; token probabilities from overlapping windows
are averaged.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from framing.model.scores import PreparedText


@dataclass
class EncodedText:
    token_ids: np.ndarray  # [n_tokens] without special tokens
    token_offsets: np.ndarray  # [n_tokens, 2]
    token_word: np.ndarray  # [n_tokens] word index, -1 when the token lies in no word
    windows: list[tuple[int, int]]  # token ranges [start, end)
    sentence_tokens: np.ndarray  # [n_sentences, 2] token range of each sentence
    sentence_window: np.ndarray  # [n_sentences] window each sentence is pooled in


def window_ranges(n_tokens: int, length: int, stride: int) -> list[tuple[int, int]]:
    if n_tokens <= length:
        return [(0, max(n_tokens, 0))]
    starts = [*range(0, n_tokens - length, stride), n_tokens - length]
    return [(start, start + length) for start in starts]


def _choose_windows(sentence_tokens: np.ndarray, windows: list[tuple[int, int]]) -> np.ndarray:
    chosen = np.zeros(len(sentence_tokens), dtype=np.int64)
    for s, (a, b) in enumerate(sentence_tokens):
        best, best_key = 0, None
        for w, (ws, we) in enumerate(windows):
            inside = min(b, we) - max(a, ws)
            margin = min(a - ws, we - b)
            key = (inside, margin)
            if best_key is None or key > best_key:
                best, best_key = w, key
        chosen[s] = best
    return chosen


def encode_text(prepared: PreparedText, tokenizer, length: int, stride: int) -> EncodedText:
    encoding = tokenizer(prepared.text, add_special_tokens=False, return_offsets_mapping=True,
                         return_attention_mask=False, verbose=False)
    token_ids = np.array(encoding["input_ids"], dtype=np.int64)
    offsets = np.array(encoding["offset_mapping"], dtype=np.int64).reshape(-1, 2)
    words = prepared.words
    if len(words):
        word = np.searchsorted(words[:, 0], offsets[:, 0], side="right") - 1
        valid = (word >= 0) & (offsets[:, 0] < words[np.clip(word, 0, None), 1])
        token_word = np.where(valid, word, -1)
    else:
        token_word = np.full(len(token_ids), -1, dtype=np.int64)

    sentence_tokens = np.zeros((len(prepared.sentences), 2), dtype=np.int64)
    starts, ends = offsets[:, 0], offsets[:, 1]
    for s, sentence in enumerate(prepared.sentences):
        a = int(np.searchsorted(ends, sentence.start, side="right"))
        b = int(np.searchsorted(starts, sentence.end, side="left"))
        sentence_tokens[s] = (a, max(b, a))
    windows = window_ranges(len(token_ids), length, stride)
    return EncodedText(token_ids, offsets, token_word, windows, sentence_tokens,
                       _choose_windows(sentence_tokens, windows))
