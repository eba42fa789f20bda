"""Latency and throughput of the HTTP service under concurrent clients, over loopback.

Usage: python benchmarks/bench_service.py [--model DIR] [--clients 1,4] [--duration 15]
                                          [--workers N] [--threads T] [--json OUT]

Starts `framing serve` on a free 127.0.0.1 port, then drives it from a second process (this
script with --client) holding C keep-alive connections, each sending one request after another,
for a bounded time and number of requests. Two texts: a short one (one paragraph, ~100 words) and
a long one (~1,000 words, built by cycling through the paragraph's sentences). Prints a Markdown
table for BENCHMARKS.md: median and p95 latency per request, requests/s and words/s.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import platform
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

SENTENCES = [
    "The council's reckless spending spree has left ordinary taxpayers paying for a vanity project "
    "that nobody asked for.",
    "Officials insisted on Tuesday that the new bridge would be finished within budget.",
    "Critics called the plan a disgrace and warned that the city would be bankrupt within a decade.",
    "Residents who spoke at the meeting were divided, with some praising the jobs it would bring.",
    "Either the mayor resigns now or the city will sink deeper into chaos, one councillor said.",
    "The report, published by an independent auditor, found no evidence of fraud.",
    "Everyone knows that these so-called experts have never built anything in their lives.",
]
SHORT_TEXT = " ".join(SENTENCES)  # one paragraph


def long_text(words: int = 1000) -> str:
    """About `words` words: the sentences again and again, a paragraph break every seven."""
    out: list[str] = []
    count = 0
    i = 0
    while count < words:
        sentence = SENTENCES[i % len(SENTENCES)]
        out.append(sentence + ("\n" if i % len(SENTENCES) == len(SENTENCES) - 1 else " "))
        count += len(sentence.split())
        i += 1
    return "".join(out).strip()


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    k = (len(ordered) - 1) * q
    lo, hi = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


# ---------------------------------------------------------------------------- client process

def run_clients(port: int, text: str, clients: int, duration: float, max_requests: int) -> dict:
    body = json.dumps({"text": text}).encode("utf-8")
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    lock = threading.Lock()
    per_client = max(1, max_requests // clients)

    def one_client() -> None:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        try:
            for _ in range(2):  # warm-up: connection set-up and first-call costs, not counted
                connection.request("POST", "/v1/analyze", body, {"content-type": "application/json"})
                connection.getresponse().read()
            barrier.wait()
            deadline = time.perf_counter() + duration
            sent = 0
            while time.perf_counter() < deadline and sent < per_client:
                started = time.perf_counter()
                connection.request("POST", "/v1/analyze", body, {"content-type": "application/json"})
                response = connection.getresponse()
                response.read()
                elapsed = time.perf_counter() - started
                sent += 1
                with lock:
                    statuses[response.status] = statuses.get(response.status, 0) + 1
                    if response.status == 200:
                        latencies.append(elapsed)
        finally:
            connection.close()

    barrier = threading.Barrier(clients + 1)
    threads = [threading.Thread(target=one_client, daemon=True) for _ in range(clients)]
    for thread in threads:
        thread.start()
    barrier.wait()
    started = time.perf_counter()
    for thread in threads:
        thread.join(duration + 300)
    wall = time.perf_counter() - started
    ok = len(latencies)
    words = len(text.split())
    return {
        "clients": clients,
        "requests": sum(statuses.values()),
        "statuses": {str(k): v for k, v in sorted(statuses.items())},
        "wall_s": round(wall, 2),
        "median_ms": round(statistics.median(latencies) * 1000, 1) if ok else None,
        "p95_ms": round(percentile(latencies, 0.95) * 1000, 1) if ok else None,
        "max_ms": round(max(latencies) * 1000, 1) if ok else None,
        "requests_per_s": round(ok / wall, 2) if wall else None,
        "words_per_s": round(ok * words / wall, 1) if wall else None,
    }


# ---------------------------------------------------------------------------- driver

def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_ready(port: int, process: subprocess.Popen, timeout: float = 180) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"server exited with {process.returncode}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=2) as response:
                if response.status == 200:
                    return json.loads(response.read())
        except OSError:
            time.sleep(0.3)
    raise SystemExit("server not ready in time")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--model", type=Path, help="model directory (default: FRAMING_MODEL_DIR or shipped)")
    parser.add_argument("--clients", default="1,4", help="comma-separated client counts (default 1,4)")
    parser.add_argument("--duration", type=float, default=15.0, help="seconds per scenario (default 15)")
    parser.add_argument("--max-requests", type=int, default=2000, help="request cap per scenario")
    parser.add_argument("--workers", type=int, help="server inference workers (FRAMING_WORKERS)")
    parser.add_argument("--threads", type=int, help="server torch threads (FRAMING_THREADS)")
    parser.add_argument("--json", type=Path, help="also write the results here")
    # Internal: the client process.
    parser.add_argument("--client", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--text", choices=("short", "long"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.client:
        text = SHORT_TEXT if args.text == "short" else long_text()
        result = run_clients(args.port, text, int(args.clients), args.duration, args.max_requests)
        print(json.dumps(result))
        return 0

    port = free_port()
    command = [sys.executable, "-m", "framing.service.cli", "serve", "--port", str(port), "--log-level", "warning"]
    if args.model:
        command += ["--model", str(args.model)]
    if args.workers:
        command += ["--workers", str(args.workers)]
    if args.threads:
        command += ["--threads", str(args.threads)]
    server = subprocess.Popen(command, cwd=ROOT)
    rows = []
    try:
        ready = wait_ready(port, server)
        model = ready.get("model") or {}
        for name in ("short", "long"):
            text = SHORT_TEXT if name == "short" else long_text()
            for clients in [int(c) for c in args.clients.split(",") if c.strip()]:
                client = subprocess.run(
                    [sys.executable, str(Path(__file__).resolve()), "--client", "--port", str(port),
                     "--text", name, "--clients", str(clients), "--duration", str(args.duration),
                     "--max-requests", str(args.max_requests)],
                    capture_output=True, text=True, timeout=args.duration + 600, check=True)
                result = json.loads(client.stdout.strip().splitlines()[-1])
                result.update(text=name, words=len(text.split()), characters=len(text))
                rows.append(result)
                print(json.dumps(result), file=sys.stderr)
    finally:
        server.terminate()
        try:
            server.wait(30)
        except subprocess.TimeoutExpired:
            server.kill()

    machine = (f"{platform.machine()}, {os.cpu_count()} CPU cores, Python {platform.python_version()}, "
               f"model {model.get('name')} {model.get('version')}, server workers={args.workers or 'default'}, "
               f"threads={args.threads or 'default'}")
    print(f"Machine: {machine}\n")
    print("| text | words | clients | requests | non-200 | median ms | p95 ms | requests/s | words/s |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for r in rows:
        failures = sum(v for k, v in r["statuses"].items() if k != "200")
        print(f"| {r['text']} | {r['words']} | {r['clients']} | {r['requests']} | {failures} | "
              f"{r['median_ms']} | {r['p95_ms']} | {r['requests_per_s']} | {r['words_per_s']} |")
    if args.json:
        args.json.write_text(json.dumps({"machine": machine, "results": rows}, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
