"""The neural network: one MiniLM encoder pass per window, three heads on top.

- a token head: one independent sigmoid per technique, since a token can sit inside spans of
  several techniques at once;
- a sentence head on mean+max pooled sentence tokens: sentence-level technique decisions;
- a sentence frame head whose logits are pooled over the article with log-sum-exp, so frames are
  learned from article labels alone (multiple-instance learning) yet each sentence gets a score.

With `article_context`, both sentence-level heads also see a summary of the whole article (the
mean token state over all its windows), so a sentence far from the headline still knows what the
article is about.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import cast

import numpy as np
import torch
from torch import nn
from transformers import AutoConfig, AutoModel, PreTrainedModel
from transformers.utils import logging as transformers_logging

from framing.model.taxonomy import FRAMES, TECHNIQUES
from framing.model.windows import EncodedText


@dataclass
class NetworkOutput:
    token_logits: torch.Tensor  # [n_windows, width, n_techniques]
    sentence_logits: list[torch.Tensor]  # per document [n_sentences, n_techniques]
    sentence_frame_logits: list[torch.Tensor]  # per document [n_sentences, n_frames]
    article_frame_logits: torch.Tensor  # [n_documents, n_frames]
    window_document: list[int]  # document index of each window row
    token_states: torch.Tensor | None = None  # [n_windows, width, hidden]: what the token head reads


def pool_frames(sentence_frame_logits: torch.Tensor, sharpness: float) -> torch.Tensor:
    """Smooth maximum over sentences: one strongly framed sentence can carry the article."""
    if sentence_frame_logits.shape[0] == 0:
        return torch.full((sentence_frame_logits.shape[1],), -10.0, device=sentence_frame_logits.device)
    n = sentence_frame_logits.shape[0]
    return (torch.logsumexp(sentence_frame_logits * sharpness, dim=0) - np.log(n)) / sharpness


class FramingNetwork(nn.Module):
    def __init__(self, encoder: PreTrainedModel, dropout: float = 0.1, frame_sharpness: float = 4.0,
                 article_context: bool = False) -> None:
        super().__init__()
        self.encoder = encoder
        hidden = self.hidden_size
        features = (3 if article_context else 2) * hidden
        self.dropout = nn.Dropout(dropout)
        self.token_head = nn.Linear(hidden, len(TECHNIQUES))
        self.sentence_head = nn.Sequential(nn.Linear(features, hidden), nn.GELU(), nn.Dropout(dropout),
                                           nn.Linear(hidden, len(TECHNIQUES)))
        self.frame_head = nn.Sequential(nn.Linear(features, hidden), nn.GELU(), nn.Dropout(dropout),
                                        nn.Linear(hidden, len(FRAMES)))
        self.frame_sharpness = frame_sharpness
        self.article_context = article_context

    @property
    def hidden_size(self) -> int:
        return int(self.encoder.config.hidden_size)

    @staticmethod
    def _first_layer(head: nn.Sequential) -> nn.Linear:
        # A cast, not an isinstance check: in int8 the layer is a quantised Linear, not an nn.Linear.
        return cast(nn.Linear, head[0])

    @torch.no_grad()
    def add_article_context(self) -> FramingNetwork:
        """Widen the sentence and frame heads to read the article summary, with zero weights on it,
        so a network trained without context starts out scoring exactly as before."""
        if self.article_context:
            return self
        hidden = self.hidden_size
        for head in (self.sentence_head, self.frame_head):
            old = self._first_layer(head)
            new = nn.Linear(3 * hidden, old.out_features).to(old.weight.device)
            new.weight.zero_()
            new.weight[:, : 2 * hidden] = old.weight
            new.bias.copy_(old.bias)
            head[0] = new
        self.article_context = True
        return self

    @classmethod
    def from_pretrained(cls, encoder_path: str, **kwargs) -> FramingNetwork:
        # The checkpoint's unused pooler weights are expected; the load report would only alarm users.
        transformers_logging.set_verbosity_error()
        transformers_logging.disable_progress_bar()
        return cls(AutoModel.from_pretrained(encoder_path, add_pooling_layer=False), **kwargs)

    @classmethod
    def from_config(cls, config_dir: str, **kwargs) -> FramingNetwork:
        config = AutoConfig.from_pretrained(config_dir)
        return cls(AutoModel.from_config(config, add_pooling_layer=False), **kwargs)

    def forward(self, encoded: list[EncodedText], cls_id: int, sep_id: int, pad_id: int) -> NetworkOutput:
        rows: list[np.ndarray] = []
        window_document: list[int] = []
        for d, item in enumerate(encoded):
            for start, end in item.windows:
                rows.append(np.concatenate([[cls_id], item.token_ids[start:end], [sep_id]]))
                window_document.append(d)
        width = max(len(row) for row in rows)
        device = next(self.parameters()).device
        input_ids = torch.full((len(rows), width), pad_id, dtype=torch.long)
        attention = torch.zeros((len(rows), width), dtype=torch.long)
        for r, ids in enumerate(rows):
            input_ids[r, : len(ids)] = torch.from_numpy(ids)
            attention[r, : len(ids)] = 1
        hidden = self.encoder(input_ids=input_ids.to(device), attention_mask=attention.to(device)).last_hidden_state
        hidden = self.dropout(hidden)
        token_logits = self.token_head(hidden)

        sentence_logits, frame_logits, article_logits = [], [], []
        row = 0  # first window row of the current document
        for item in encoded:
            if self.article_context:
                mask = attention[row: row + len(item.windows)].to(hidden.device).unsqueeze(-1).to(hidden.dtype)
                window_states = hidden[row: row + len(item.windows)]
                context = ((window_states * mask).sum(dim=1) / mask.sum(dim=1)).mean(dim=0)
            pooled = []
            for s, (a, b) in enumerate(item.sentence_tokens):
                w = int(item.sentence_window[s])
                ws, we = item.windows[w]
                lo, hi = max(a, ws) - ws + 1, min(b, we) - ws + 1  # +1 skips [CLS]
                states = hidden[row + w, lo:hi] if hi > lo else hidden[row + w, :1]
                parts = [states.mean(dim=0), states.max(dim=0).values]
                pooled.append(torch.cat([*parts, context] if self.article_context else parts))
            in_features = self._first_layer(self.sentence_head).in_features
            features = torch.stack(pooled) if pooled else hidden.new_zeros((0, in_features))
            sentence_logits.append(self.sentence_head(features))
            sentence_frames = self.frame_head(features)
            frame_logits.append(sentence_frames)
            article_logits.append(pool_frames(sentence_frames, self.frame_sharpness))
            row += len(item.windows)
        return NetworkOutput(token_logits, sentence_logits, frame_logits, torch.stack(article_logits),
                             window_document, hidden)
