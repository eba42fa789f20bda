"""Crash-safe file replacement, the one copy every layer uses.

A reader of the path sees either the old file or the complete new one, never a half-written file:
the new content goes to a temporary file in the same folder (so the rename stays on one file
system), is flushed to disk, and is then renamed over the target. On any error the temporary file
is removed and the old file is left as it was.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import IO, Any

TEMPORARY_SUFFIX = ".tmp"


@contextlib.contextmanager
def atomic_writer(path: str | Path, mode: str = "wb", encoding: str | None = None,
                  newline: str | None = None) -> Iterator[IO[Any]]:
    """An open handle whose content replaces `path` atomically when the block ends without error."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=TEMPORARY_SUFFIX, dir=path.parent)
    try:
        with os.fdopen(descriptor, mode, encoding=encoding, newline=newline) as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def write_atomic(path: str | Path, data: bytes | str | Iterable[bytes]) -> None:
    """Replace `path` with `data` (bytes, UTF-8 text, or byte chunks written as they come)."""
    with atomic_writer(path, "wb") as handle:
        if isinstance(data, str):
            handle.write(data.encode("utf-8"))
        elif isinstance(data, bytes | bytearray):
            handle.write(data)
        else:
            for chunk in data:
                handle.write(chunk)
