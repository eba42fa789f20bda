"""End to end: `framing serve` as a real process on a free loopback port, driven over HTTP."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from support import free_port

pytestmark = pytest.mark.slow

START_TIMEOUT = 120  # seconds for the process to load the model and answer /readyz
REPO = Path(__file__).resolve().parent.parent


def request(url: str, body: bytes | None = None, content_type: str = "application/json",
            timeout: float = 60) -> tuple[int, dict, bytes]:
    headers = {"content-type": content_type} if body is not None else {}
    req = urllib.request.Request(url, data=body, headers=headers, method="POST" if body is not None else "GET")
    try:
        with urllib.request.urlopen(req, timeout=timeout) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


@pytest.fixture
def server(shipped_model_dir, tmp_path):
    port = free_port()
    env = {**os.environ, "FRAMING_MODEL_DIR": str(shipped_model_dir), "FRAMING_PORT": str(port),
           "FRAMING_HOST": "127.0.0.1", "FRAMING_THREADS": "1", "FRAMING_WORKERS": "2",
           "FRAMING_LOG_LEVEL": "warning"}
    log_path = tmp_path / "server.log"
    with open(log_path, "wb") as log:
        process = subprocess.Popen([sys.executable, "-m", "framing.service.cli", "serve"], cwd=REPO, env=env,
                                   stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            assert process.poll() is None, f"server exited early:\n{log_path.read_text(errors='replace')}"
            try:
                if request(base + "/readyz", timeout=2)[0] == 200:
                    break
            except OSError:
                pass
            assert time.monotonic() < deadline, f"not ready in {START_TIMEOUT}s:\n{log_path.read_text()}"
            time.sleep(0.2)
        yield base, process, log_path
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(10)


def test_real_server_answers_and_shuts_down_cleanly(server):
    base, process, log_path = server
    text = "The brutal, barbaric terrorists slaughtered innocent civilians.\nOfficials met on Monday."

    status, _, body = request(base + "/v1/analyze", json.dumps({"text": text, "id": "e2e"}).encode())
    assert status == 200, body
    analysis = json.loads(body)
    assert analysis["id"] == "e2e"
    for span in analysis["spans"]:
        assert text[span["start"] : span["end"]] == span["text"]

    status, _, body = request(base + "/v1/analyze", b'{"text": "x"}', content_type="text/plain")
    assert status == 415
    status, _, _ = request(base + "/v1/analyze", json.dumps({"text": "a" * 100_001}).encode())
    assert status == 413

    # A few concurrent clients: every one answered, in its own order.
    payloads = [json.dumps({"text": f"Sentence number {i}. Another one.", "id": str(i)}).encode() for i in range(6)]
    with ThreadPoolExecutor(3) as pool:
        answers = list(pool.map(lambda p: request(base + "/v1/analyze", p), payloads))
    assert [a[0] for a in answers] == [200] * 6
    assert [json.loads(a[2])["id"] for a in answers] == [str(i) for i in range(6)]

    status, _, body = request(base + "/")
    assert status == 200 and b"Analyse" in body
    status, _, body = request(base + "/metrics")
    assert status == 200 and b'framing_http_requests_total{endpoint="/v1/analyze",method="POST",status="200"}' in body

    # SIGTERM: uvicorn finishes what is in flight, then exits (re-raising the signal, hence -15).
    process.terminate()
    assert process.wait(30) in (0, -15)
    log = log_path.read_text(errors="replace")
    assert "Traceback" not in log, log
