"""uvicorn's server with a shutdown that ends within its grace period.

uvicorn waits up to `timeout_graceful_shutdown` for connections to close, then cancels what is
left; a model pass cannot be cancelled, so before this a request in flight got a 500 and the
process lived on until the pass ended. Here, requests that have not finished `CLOSE_MARGIN`
seconds before the grace period ends are answered 503 `shutting_down` (their work is abandoned),
their connections close, and the process exits in time.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from types import FrameType

import uvicorn

CLOSE_MARGIN = 3.0


class GracefulServer(uvicorn.Server):
    def __init__(self, config: uvicorn.Config, close: Callable[[], None], grace: float) -> None:
        super().__init__(config)
        self._close = close
        self._grace = grace
        self._timer: threading.Timer | None = None

    def handle_exit(self, sig: int, frame: FrameType | None) -> None:
        if self._timer is None:
            self._timer = threading.Timer(max(0.0, self._grace - CLOSE_MARGIN), self._close)
            self._timer.daemon = True
            self._timer.start()
        super().handle_exit(sig, frame)
