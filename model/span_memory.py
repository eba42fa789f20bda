"""A nearest-neighbour memory of annotated loaded words, blended into the network's word scores.

The token head decides each word from its contextual state alone, one linear layer deep. The memory
keeps the contextual states (under the same network) of words annotators marked as
Loaded_Language or Name_Calling, beside a sample of words they left alone; a word scores the
similarity-weighted share of marked words among its nearest stored neighbours. This recalls
annotated usages the head averaged away, and it is refitted from the training data alone, without
training. Off unless a config gives it a share: with the int8 network that serves, it did not raise
2.3.0's cross-validated figures (docs/model-experiments.md, section 7).

Only candidates are looked up: alphabetic words the network already scores at `floor` or more for
either technique (at 0.2, about one word in six: some 8 ms for a 1,000-word article on 2 cores). Other
words get a memory score of 0, so their blended score is the network's scaled by 1 - share, and
the thresholds are fitted to exactly that.

States are projected onto `dim` principal components fitted on the memory, and normalised, so the
memory stays small (about 2 MB for 15,000 words in fp16). Saved as plain data (`span_memory.json`
and `span_memory.safetensors`), never a pickle.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch
from safetensors import SafetensorError
from safetensors.numpy import load_file, save

from framing.model.errors import FramingError, require_format
from framing.model.files import write_atomic
from framing.model.layout import SPAN_MEMORY_ARRAYS, SPAN_MEMORY_SETTINGS
from framing.model.scores import PreparedText
from framing.model.taxonomy import TECHNIQUE_INDEX

FORMAT = "framing-span-memory/1"
ARRAY_NAMES = ("keys", "labels", "weights", "mean", "projection")
# The techniques whose word scores the memory joins: the loaded words of the product's first promise.
MEMORY_TECHNIQUES = ("Loaded_Language", "Name_Calling-Labeling")
COLUMNS = [TECHNIQUE_INDEX[name] for name in MEMORY_TECHNIQUES]


class SpanMemoryFormatError(FramingError, ValueError):
    """The saved span-memory files are missing, inconsistent or of an unknown format."""


def alphabetic_words(prepared: PreparedText) -> np.ndarray:
    """[n_words] whether each word starts with a letter: punctuation and numbers are never looked up."""
    return np.array([prepared.text[a:b][:1].isalpha() for a, b in prepared.words], dtype=bool)


def candidates(prepared: PreparedText, word_techniques: np.ndarray, floor: float) -> np.ndarray:
    """[n_words] the words the memory is asked about: alphabetic, scored at `floor` or more by the network
    for one of the memory's techniques."""
    if len(prepared.words) == 0:
        return np.zeros(0, dtype=bool)
    asked = word_techniques[:, COLUMNS].max(axis=1) >= floor
    for word in np.flatnonzero(asked):  # only the few that pass are read (a loop over all cost 1 ms)
        start = prepared.words[word, 0]
        asked[word] = prepared.text[start:start + 1].isalpha()
    return asked


def blend_memory(word_techniques: np.ndarray, memory_scores: np.ndarray, share: float) -> np.ndarray:
    """The word scores with each memory technique's column moved `share` of the way to the memory's score
    (0 where the memory was not asked); the other columns untouched."""
    result = word_techniques.copy()
    for column in COLUMNS:
        result[:, column] = (1.0 - share) * word_techniques[:, column] + share * memory_scores
    return result


@dataclass
class SpanMemory:
    """Stored word states (projected, unit length) with their label (1: inside an annotated span)."""

    arrays: dict[str, np.ndarray]
    share: float = 0.5  # the memory's share of the served word scores
    floor: float = 0.05  # network score a word needs for the memory to be asked about it
    neighbours: int = 25
    power: float = 4.0  # similarity weights are cosine ** power: the nearest count most
    settings: dict[str, Any] = field(default_factory=dict)  # how it was fitted, for the model card
    _tensors: dict[str, torch.Tensor] | None = field(default=None, init=False, repr=False)

    def __post_init__(self) -> None:
        if not 0.0 <= self.share <= 1.0:
            raise SpanMemoryFormatError(f"the span memory's share must lie in [0, 1], got {self.share}")
        if self.neighbours < 1:
            raise SpanMemoryFormatError(f"the span memory needs at least one neighbour, got {self.neighbours}")

    @property
    def size(self) -> int:
        return int(self.arrays["keys"].shape[0])

    @property
    def state_size(self) -> int:
        return int(self.arrays["mean"].shape[0])

    def tensors(self) -> dict[str, torch.Tensor]:
        # Products run in torch, on the network's threads (numpy's BLAS threads slowed the next network
        # pass; see model.sentence_frames), with the keys turned to float32 once.
        if self._tensors is None:
            self._tensors = {name: torch.as_tensor(np.asarray(self.arrays[name], dtype=np.float32))
                             for name in ARRAY_NAMES}
            self._tensors["keys"] = self._tensors["keys"].T.contiguous()  # [dim, n]: a third quicker product
        return self._tensors

    def lookup(self, states: np.ndarray) -> np.ndarray:
        """[n] each state's similarity-weighted share of annotated words among its nearest stored ones."""
        if len(states) == 0 or self.size == 0:
            return np.zeros(len(states), dtype=np.float32)
        t = self.tensors()
        with torch.no_grad():
            query = (torch.as_tensor(states, dtype=torch.float32) - t["mean"]) @ t["projection"]
            query = query / (query.norm(dim=1, keepdim=True) + 1e-6)
            similarity = query @ t["keys"]
            top, index = torch.topk(similarity, min(self.neighbours, self.size), dim=1)
            weight = t["weights"][index] * top.clamp(min=0) ** self.power
            share = (weight * t["labels"][index]).sum(dim=1) / weight.sum(dim=1).clamp(min=1e-9)
        return share.numpy().astype(np.float32)

    def scores(self, prepared: PreparedText, word_techniques: np.ndarray, word_states) -> np.ndarray:
        """[n_words] memory scores: looked up for the candidates, 0 elsewhere. `word_states(mask)` gives
        the contextual states of the masked words, so only those are computed."""
        result = np.zeros(len(prepared.words), dtype=np.float32)
        asked = candidates(prepared, word_techniques, self.floor)
        if asked.any():
            result[asked] = self.lookup(word_states(asked))
        return result

    # ------------------------------------------------------------------------------ files

    def save(self, directory: Path) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        settings = {"format": FORMAT, "techniques": list(MEMORY_TECHNIQUES), "share": self.share,
                    "floor": self.floor, "neighbours": self.neighbours, "power": self.power, "fit": self.settings}
        write_atomic(directory / SPAN_MEMORY_SETTINGS, json.dumps(settings, indent=2) + "\n")
        arrays = {name: np.ascontiguousarray(self.arrays[name], dtype=np.float32) for name in ARRAY_NAMES}
        arrays["keys"] = arrays["keys"].astype(np.float16)  # the bulk of the file; fp16 changes no decision
        write_atomic(directory / SPAN_MEMORY_ARRAYS, save(arrays))

    @classmethod
    def load(cls, directory: Path, state_size: int | None = None) -> SpanMemory:
        """The saved memory, refused when its files do not fit together (or, when given, the network's
        hidden size)."""
        try:
            settings = json.loads((directory / SPAN_MEMORY_SETTINGS).read_text(encoding="utf-8"))
            arrays = dict(load_file(str(directory / SPAN_MEMORY_ARRAYS)))
        except (OSError, ValueError, SafetensorError) as problem:
            raise SpanMemoryFormatError(f"{directory}: cannot read the span memory: {problem}") from problem
        settings = require_format(settings, FORMAT, SpanMemoryFormatError, str(directory / SPAN_MEMORY_SETTINGS))
        if settings.get("techniques") != list(MEMORY_TECHNIQUES):
            raise SpanMemoryFormatError(f"{directory / SPAN_MEMORY_SETTINGS}: it scores other techniques than "
                                        f"this version's ({', '.join(MEMORY_TECHNIQUES)})")
        missing = [name for name in ARRAY_NAMES if name not in arrays]
        if missing:
            raise SpanMemoryFormatError(f"{directory}: the span-memory arrays are incomplete "
                                        f"(missing: {', '.join(missing)})")
        try:
            memory = cls(arrays, share=float(settings["share"]), floor=float(settings["floor"]),
                         neighbours=int(settings["neighbours"]), power=float(settings["power"]),
                         settings=dict(settings.get("fit") or {}))
        except (KeyError, TypeError, ValueError) as problem:
            raise SpanMemoryFormatError(f"{directory / SPAN_MEMORY_SETTINGS}: bad settings ({problem})") from problem
        memory.check_shapes(str(directory), state_size)
        return memory

    def check_shapes(self, where: str, state_size: int | None = None) -> None:
        """Refuses arrays that do not fit together (or, when given, the network's hidden size)."""
        a = self.arrays
        if a["keys"].ndim != 2 or a["projection"].ndim != 2 or a["mean"].ndim != 1:
            raise SpanMemoryFormatError(f"{where}: span-memory arrays of the wrong rank")
        n, dim = a["keys"].shape
        expected = {"labels": (n,), "weights": (n,), "projection": (a["mean"].shape[0], dim)}
        for name, shape in expected.items():
            if a[name].shape != shape:
                raise SpanMemoryFormatError(f"{where}: span-memory array {name} has shape {a[name].shape}, "
                                            f"expected {shape}")
        if state_size is not None and self.state_size != state_size:
            raise SpanMemoryFormatError(f"{where}: the span memory reads states of size {self.state_size}, the "
                                        f"network gives {state_size}")
