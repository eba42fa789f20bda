"""Int8 inference: the network's linear layers run with int8 weights, quantised as the model loads.

Quantising at load time rather than on disk keeps the fp16 file the one trained artifact, which
fine-tuning and recalibration start from; dynamic quantisation of MiniLM takes well under a second.
Int8 shifts the probabilities a little, so a model served in int8 has its thresholds calibrated on
int8 scores (`package_model` scores the held-out articles with the same arithmetic it serves).
"""

from __future__ import annotations

import warnings

import torch
from torch import nn

NONE = "none"
INT8 = "int8"
QUANTIZATIONS = (NONE, INT8)


def quantize(network: nn.Module, scheme: str, inplace: bool = False) -> nn.Module:
    """`network` running in `scheme`: a copy, unless `inplace` (for a caller that has no further
    use for the float network, so loading does not briefly hold two); the network itself when
    `scheme` is "none"."""
    if scheme == NONE:
        return network
    if scheme != INT8:
        raise ValueError(f"unknown quantization {scheme!r}; expected one of {', '.join(QUANTIZATIONS)}")
    with warnings.catch_warnings():
        # torch flags its eager-mode quantisation API for a future move to torchao; with torch pinned
        # it works as measured in BENCHMARKS.md, and the notice would only alarm users.
        warnings.simplefilter("ignore", DeprecationWarning)
        warnings.simplefilter("ignore", UserWarning)
        return torch.ao.quantization.quantize_dynamic(network, {nn.Linear}, dtype=torch.qint8, inplace=inplace).eval()


def is_quantized(network: nn.Module) -> bool:
    return any(isinstance(module, torch.ao.nn.quantized.dynamic.Linear) for module in network.modules())
