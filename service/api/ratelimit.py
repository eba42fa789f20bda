"""Failed admin attempts, limited per client: a wrong key costs a slot for a minute.

Without a limit a key can be guessed online as fast as the server answers. After `limit` wrong or
missing keys from one client address within `window` seconds, that client gets 429 with
`Retry-After` until its oldest failure leaves the window, even with the right key (otherwise the
limit would only slow a guesser down, not stop it). Clients are few; memory is bounded anyway.
"""

from __future__ import annotations

import threading
import time
from collections import deque

MAX_CLIENTS = 10_000


class FailureLimiter:
    def __init__(self, limit: int, window: float = 60.0) -> None:
        self.limit = limit
        self.window = window
        self._failures: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def _recent(self, client: str, now: float) -> deque[float]:
        failures = self._failures.get(client, deque())
        while failures and failures[0] <= now - self.window:
            failures.popleft()
        return failures

    def blocked_for(self, client: str) -> int:
        """Seconds `client` must wait before trying again; 0 when it may try now."""
        now = time.monotonic()
        with self._lock:
            failures = self._recent(client, now)
            if len(failures) < self.limit:
                return 0
            return max(1, int(failures[0] + self.window - now + 0.999))

    def failed(self, client: str) -> None:
        now = time.monotonic()
        with self._lock:
            if client not in self._failures and len(self._failures) >= MAX_CLIENTS:
                for stale in [c for c, f in self._failures.items() if not self._recent(c, now)]:
                    del self._failures[stale]
                if len(self._failures) >= MAX_CLIENTS:  # still full: forget the oldest client
                    del self._failures[next(iter(self._failures))]
            failures = self._recent(client, now)
            failures.append(now)
            self._failures[client] = failures
