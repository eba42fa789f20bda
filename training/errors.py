"""Errors of training, calibration and averaging that the user can act on."""

from __future__ import annotations

from framing.model.errors import FramingError


class TrainingError(FramingError, ValueError):
    """Settings, data or model folders that a run cannot use; the message says which and why.

    A ValueError too, so callers written against the earlier `ValueError`s keep working."""
