"""Weight averaging ("model soup") of fine-tuned runs that share a starting point.

Runs fine-tuned from the same weights end in one basin of the loss; the average of their weights
sits nearer its centre and tends to generalise at least as well as the best of them (Wortsman et
al., 2022, "Model soups"), at no cost at inference. The averaged model is recalibrated afterwards,
since its scores are not those of any run.
"""

from __future__ import annotations

import shutil
from collections.abc import Sequence
from pathlib import Path

import torch
from safetensors.torch import load_file, save_file

from framing.model.folder import ModelFolder, ModelLoadError
from framing.model.layout import DATA_RECORD, WEIGHTS
from framing.training.errors import TrainingError


def _heldout_ids(model: Path) -> set[str]:
    recorded = ModelFolder(model).heldout_ids()
    if recorded is None:
        raise ModelLoadError(f"{model}: no {DATA_RECORD}; only models trained by `framing train` can be averaged")
    return recorded


def average_weights(models: Sequence[Path], output: Path) -> None:
    """Write to `output` the last model's folder with the mean of all the models' weights.

    The models must have the same network and the same held-out articles: averaging across
    splits would let one run's training articles into the other's calibration and metrics.
    """
    models = [Path(m) for m in models]
    if len(models) < 2:
        raise TrainingError("averaging needs at least two models")
    if any(output.resolve() == m.resolve() for m in models):
        raise TrainingError(f"{output} is one of the models being averaged; write the average elsewhere")
    for model in models:
        if not (model / WEIGHTS).is_file():
            raise ModelLoadError(f"{model} is not a framing model directory (missing {WEIGHTS})")
    heldout = _heldout_ids(models[0])
    if any(_heldout_ids(m) != heldout for m in models[1:]):
        raise TrainingError("the models were held out on different articles; only runs of one split can be averaged")
    states = [load_file(str(m / WEIGHTS)) for m in models]
    for model, state in zip(models[1:], states[1:], strict=True):
        if {k: v.shape for k, v in state.items()} != {k: v.shape for k, v in states[0].items()}:
            raise TrainingError(f"{model} has another network shape than {models[0]}")
    dtype = states[0][next(iter(states[0]))].dtype
    mean = {key: (torch.stack([state[key].float() for state in states]).mean(dim=0)).to(dtype).contiguous()
            for key in states[0]}
    if output.exists():
        shutil.rmtree(output)
    shutil.copytree(models[-1], output)
    save_file(mean, str(output / WEIGHTS))
    ModelFolder(output).save_hashes()  # the copied hashes.json recorded the last model's weights
