"""Issue 16 against a real `framing serve` on 127.0.0.1: bodies that used to freeze it, a shutdown
that used to hang. Bounded in count and time; slow (each starts a server and loads the model)."""

from __future__ import annotations

import http.client
import json
import os
import signal
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from test_server_e2e import free_port, request

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parent.parent
START_TIMEOUT = 120


def start_server(model_dir: Path, tmp_path: Path, **env: str) -> tuple[str, int, subprocess.Popen, Path]:
    port = free_port()
    environ = {**os.environ, "FRAMING_MODEL_DIR": str(model_dir), "FRAMING_PORT": str(port),
               "FRAMING_HOST": "127.0.0.1", "FRAMING_THREADS": "1", "FRAMING_LOG_LEVEL": "warning",
               "FRAMING_FEEDBACK_DB": str(tmp_path / "fb.sqlite3"), **env}
    log_path = tmp_path / "server.log"
    with open(log_path, "wb") as log:
        process = subprocess.Popen([sys.executable, "-m", "framing.service.cli", "serve"], cwd=REPO,
                                   env=environ, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + START_TIMEOUT
    while True:
        assert process.poll() is None, f"server exited early:\n{log_path.read_text(errors='replace')}"
        try:
            if request(base + "/readyz", timeout=2)[0] == 200:
                return base, port, process, log_path
        except OSError:
            pass
        assert time.monotonic() < deadline, f"not ready in {START_TIMEOUT}s:\n{log_path.read_text()}"
        time.sleep(0.2)


@pytest.fixture
def server(shipped_model_dir, tmp_path) -> Iterator[tuple[str, int, subprocess.Popen, Path]]:
    started = start_server(shipped_model_dir, tmp_path)
    try:
        yield started
    finally:
        if started[2].poll() is None:  # stopped as a deployer would: SIGTERM, so its helper processes end too
            started[2].terminate()
            try:
                started[2].wait(30)
            except subprocess.TimeoutExpired:
                started[2].kill()
                started[2].wait(10)


def post(port: int, path: str, body: bytes, timeout: float = 60) -> tuple[int, dict]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        connection.request("POST", path, body=body, headers={"content-type": "application/json"})
        response = connection.getresponse()
        return response.status, json.loads(response.read() or b"{}")
    except (ConnectionError, OSError):  # the server may close early after a 413
        return 0, {}
    finally:
        connection.close()


def test_healthz_answers_fast_while_large_bodies_arrive(server):
    _base, port, _process, _log = server
    # The largest body the default limits let through to the batch endpoint, full of tiny documents
    # (the shape that froze the server: 1.4 MB of {"text":"x"}, about 100,000 documents; the limit is
    # now 2.6 MB), and one 18 MB body like the audit's, which the old single limit let through.
    from framing.service.settings import Settings

    limit = Settings().body_limit("/v1/analyze/batch")
    count = (limit - 100) // len(b'{"text":"x"},')
    tiny = b'{"documents":[' + b",".join([b'{"text":"x"}'] * count) + b"]}"
    assert len(tiny) <= limit
    huge = b'{"documents":[' + b",".join([b'{"text":"x"}'] * 1_385_464) + b"]}"
    latencies: list[float] = []
    statuses: list[tuple[int, str]] = []
    stop = threading.Event()

    def probe() -> None:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        while not stop.is_set():
            started = time.perf_counter()
            connection.request("GET", "/healthz")
            response = connection.getresponse()
            response.read()
            latencies.append(time.perf_counter() - started)
            assert response.status == 200
            time.sleep(0.01)
        connection.close()

    def client(body: bytes) -> None:
        for _ in range(3):
            status, answer = post(port, "/v1/analyze/batch", body)
            statuses.append((status, answer.get("code", "")))

    prober = threading.Thread(target=probe)
    prober.start()
    clients = [threading.Thread(target=client, args=(body,)) for body in (tiny, tiny, tiny, huge)]
    started = time.monotonic()
    for thread in clients:
        thread.start()
    for thread in clients:
        thread.join(120)
    stop.set()
    prober.join(30)
    took = time.monotonic() - started
    assert len(statuses) == 12
    assert all(status in (413, 0) for status, _ in statuses), statuses
    assert {code for _, code in statuses} <= {"batch_too_large", "body_too_large", ""}
    worst, median = max(latencies), statistics.median(latencies)
    ninetieth = statistics.quantiles(latencies, n=10)[-1]
    print(f"\n/healthz under load: {len(latencies)} probes in {took:.1f}s, median {median * 1000:.1f} ms, "
          f"90th percentile {ninetieth * 1000:.1f} ms, max {worst * 1000:.1f} ms")
    # Measured here with the bodies counted in a thread (json.loads holds the GIL): median 28 ms,
    # max 248 ms; counted in a helper process: median 1.2 ms, max 16 ms alone, but 197 ms once while
    # another pytest-xdist worker trained a model on the other core. The median and the 90th percentile
    # tell the server's behaviour (a GIL stall delays every probe during each of the 12 bodies); the
    # single worst probe also measures how busy the machine is, so it only has to rule out a freeze.
    assert median < 0.02
    assert ninetieth < 0.05
    assert worst < 0.5


def test_sigterm_ends_a_long_request_within_the_grace_period(shipped_model_dir, tmp_path):
    grace = 5
    _base, port, process, log_path = start_server(shipped_model_dir, tmp_path, FRAMING_SHUTDOWN_GRACE=str(grace),
                                                 FRAMING_MAX_CHARS="40000")
    try:
        # Ten documents of 20,000 characters, the most one request may hold: about a minute of
        # model work here, 2-6 s per document.
        text = "The reckless regime lied again to the brave people. Officials met on Monday. " * 256
        assert len(text) * 10 <= 200_000
        body = json.dumps({"documents": [{"text": text}] * 10}).encode()
        answers: list[tuple[int, dict]] = []
        sender = threading.Thread(target=lambda: answers.append(post(port, "/v1/analyze/batch", body, 120)))
        sender.start()
        time.sleep(1.5)  # the first pass is running
        signalled = time.monotonic()
        process.send_signal(signal.SIGTERM)
        process.wait(grace + 10)
        ended = time.monotonic() - signalled
        sender.join(10)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(10)
    print(f"\nexited {ended:.1f}s after SIGTERM (grace {grace}s)")
    assert ended < grace + 3, log_path.read_text(errors="replace")
    assert answers and answers[0][0] == 503 and answers[0][1]["code"] == "shutting_down", answers
