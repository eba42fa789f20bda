"""Small label models saved as plain data: a JSON file of settings beside a safetensors file of arrays.

The sentence-frame, article-frame and sentence-technique models share this layout and its checks
(format name, the label order of this version), so a folder never loads arrays whose rows mean
other frames or techniques.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
from safetensors import SafetensorError
from safetensors.numpy import load_file, save

from framing.model.errors import FramingError, require_format
from framing.model.files import write_atomic
from framing.model.taxonomy import FRAMES


def save_frame_arrays(directory: Path, settings_name: str, arrays_name: str, settings: dict[str, Any],
                      arrays: dict[str, np.ndarray], names: Iterable[str], label_kind: str = "frames",
                      labels: Sequence[str] = FRAMES) -> None:
    """Writes `settings` (with the order of the labels the rows mean) and the named arrays in float32."""
    directory.mkdir(parents=True, exist_ok=True)
    ordered = {"format": settings.get("format"), label_kind: list(labels), **settings}  # format and labels first
    write_atomic(directory / settings_name, json.dumps(ordered, indent=2) + "\n")
    write_atomic(directory / arrays_name,
                 save({name: np.ascontiguousarray(arrays[name], dtype=np.float32) for name in names}))


def read_frame_arrays(directory: Path, settings_name: str, arrays_name: str, format_name: str, what: str,
                      error: type[FramingError], label_kind: str = "frames",
                      labels: Sequence[str] = FRAMES) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
    """The settings and arrays, refused with `error` when unreadable, of another format or label order."""
    try:
        settings = json.loads((directory / settings_name).read_text(encoding="utf-8"))
        arrays = load_file(str(directory / arrays_name))
    except (OSError, ValueError, SafetensorError) as problem:
        raise error(f"{directory}: cannot read the {what}: {problem}") from problem
    settings = require_format(settings, format_name, error, str(directory / settings_name))
    if settings.get(label_kind) != list(labels):
        raise error(f"{directory / settings_name}: its {label_kind[:-1]} order differs from this version's")
    return settings, dict(arrays)
