"""Issue 16, point 5: memory does not grow with reloads (slow: each reload loads the model)."""

from __future__ import annotations

import gc
import os
import statistics
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from framing.service.api.app import create_app
from framing.service.settings import Settings

pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(not Path("/proc/self/statm").exists(), reason="reads RSS from /proc")]

KEY = "k" * 40
RELOADS = 16


def rss_mb() -> float:
    resident = int(Path("/proc/self/statm").read_text().split()[1])
    return resident * os.sysconf("SC_PAGE_SIZE") / 2**20


def test_memory_stays_flat_across_reloads(shipped_model_dir):
    sizes = []
    with TestClient(create_app(Settings(model_dir=shipped_model_dir, admin_key=KEY))) as client:
        for _ in range(RELOADS):
            assert client.post("/v1/admin/reload", headers={"X-API-Key": KEY}).status_code == 200
            assert client.post("/v1/analyze", json={"text": "The reckless regime lied again. " * 50}).status_code == 200
            gc.collect()
            sizes.append(rss_mb())
    # Medians of four, because RSS jitters by +-10 MB from one reload to the next.
    early, late = statistics.median(sizes[2:6]), statistics.median(sizes[-4:])
    print(f"\nRSS after each reload (MB): {[round(size) for size in sizes]}; median of reloads 3-6 "
          f"{early:.0f}, of the last four {late:.0f}")
    # Measured here before the fix, with 12 reloads: +21 and +44 MB between these medians, growing
    # on; after: +3 and -6 MB.
    assert late - early < 15
