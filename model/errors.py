"""The project's own error base.

Every error raised for a problem the user can act on (a bad model folder, a malformed annotation,
an unknown label) derives from `FramingError`, so the CLI reports any of them the same way, in one
place (`service.cli.main`: `framing COMMAND: message`, exit status 2), and callers can catch the
project's errors without catching programming errors.
"""

from __future__ import annotations


class FramingError(Exception):
    """A problem with the user's input, files or settings, explained by its message."""


def require_format(raw: object, expected: str, error: type[FramingError], source: str) -> dict:
    """`raw` as a dict when its "format" is `expected`; else `error`, naming what was found instead."""
    if not isinstance(raw, dict) or raw.get("format") != expected:
        found = raw.get("format") if isinstance(raw, dict) else type(raw).__name__
        raise error(f"{source}: format {found!r}, expected {expected!r}")
    return raw
