"""Issue 16: no body freezes the server, no request holds it for long, one bad string is no 500.

In-process checks of the request guard's per-endpoint limits, the per-request character cap, the
pool's deadline / client-gone / shutdown cancellation, the schema agreeing with the API, the admin
key rules and /readyz. The timing checks against a real server are in test_hardening_server.py.
"""

from __future__ import annotations

import asyncio
import json
import re
import threading
import time

import httpx
import pytest
from fastapi.testclient import TestClient

from framing.model.analyzer import Analyzer
from framing.model.inputs import InputError, check_document_id, check_text
from framing.service.api.app import create_app
from framing.service.api.deps import get_pool
from framing.service.api.pool import InferencePool
from framing.service.api.schemas import ID_PATTERN, TEXT_SCHEMA
from framing.service.observability import ServiceMetrics
from framing.service.settings import Settings, SettingsError

KEY = "k" * 40


class SlowAnalyzer:
    """The real analyzer, but every batched pass first waits for `release` (or 10 s), counted."""

    def __init__(self, inner: Analyzer) -> None:
        self.inner = inner
        self.info = inner.info
        self.directory = inner.directory
        self.metrics: dict = {}
        self.release = threading.Event()
        self.passes = 0
        self.started = threading.Event()
        self.operating_points = inner.operating_points

    def analyze(self, text, document_id=None, sensitivity="precise"):
        return self.analyze_each([text], [document_id], sensitivity)[0]

    def analyze_each(self, texts, ids=None, sensitivity="precise"):
        self.passes += 1
        self.started.set()
        self.release.wait(10)
        return self.inner.analyze_each(texts, ids, sensitivity)


def post_json(client, path: str, body: bytes):
    return client.post(path, content=body, headers={"content-type": "application/json"})


# ------------------------------------------------------------------------- 1. body limits


def test_each_endpoint_has_its_own_body_limit(analyzer):
    settings = Settings(max_chars=1000, max_batch=8)
    single, batch = settings.body_limit("/v1/analyze"), settings.body_limit("/v1/analyze/batch")
    assert single < batch
    with TestClient(create_app(settings, analyzer=analyzer)) as client:
        # A body the batch endpoint could take is refused by /v1/analyze from its length alone.
        body = b'{"text": "' + b"x" * (single + 10) + b'"}'
        response = post_json(client, "/v1/analyze", body)
        assert response.status_code == 413 and response.json()["code"] == "body_too_large"
        assert "/v1/analyze" in response.json()["detail"]
        assert response.headers["connection"] == "close"
        # Streamed without a Content-Length: refused once it outgrows the limit.
        response = client.post("/v1/analyze", content=iter([b'{"text": "', b"x" * (single + 10), b'"}']),
                               headers={"content-type": "application/json"})
        assert response.status_code == 413


def test_the_body_limit_leaves_room_for_a_text_of_emoji_escaped_as_surrogate_pairs(analyzer):
    # An emoji is one character of the text and 12 bytes of ASCII-escaped JSON ("\\ud83d\\ude00"):
    # a text of them must reach the text rule (which counts characters), not be refused by its bytes.
    settings = Settings(max_chars=20_000)
    with TestClient(create_app(settings, analyzer=analyzer)) as client:
        body = json.dumps({"text": "a" + "😀" * 20_000}).encode()  # ensure_ascii: surrogate pairs
        assert len(body) > 6 * 20_000 + 69_632
        response = post_json(client, "/v1/analyze", body)
        assert response.status_code == 413 and response.json()["code"] == "text_too_long", response.text


def test_the_body_counting_process_ends_with_the_app(analyzer):
    import multiprocessing

    app = create_app(Settings(max_chars=10_000, max_batch=8), analyzer=analyzer)
    with TestClient(app) as client:
        body = json.dumps({"documents": [{"text": "x"}] * 20_000}).encode()  # over PRECOUNT_BYTES
        assert post_json(client, "/v1/analyze/batch", body).status_code == 413
        executor = app.state.framing.body_counter._executor
        assert executor is not None
        pids = {process.pid for process in executor._processes.values()}
        assert pids
    deadline = time.monotonic() + 10
    while pids & {child.pid for child in multiprocessing.active_children()} and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not pids & {child.pid for child in multiprocessing.active_children()}


def test_a_large_batch_body_is_counted_before_fastapi_parses_it(analyzer, monkeypatch):
    settings = Settings(max_chars=10_000, max_batch=8)
    documents = [{"text": "x"}] * 20_000  # about 300 KB, under the body limit, far over max_batch
    body = json.dumps({"documents": documents}).encode()
    assert len(body) < settings.body_limit("/v1/analyze/batch")
    from framing.service.api.schemas import BatchRequest

    validated = []
    original = BatchRequest.model_validate
    monkeypatch.setattr(BatchRequest, "model_validate", lambda *a, **k: validated.append(1) or original(*a, **k))
    with TestClient(create_app(settings, analyzer=analyzer)) as client:
        response = post_json(client, "/v1/analyze/batch", body)
        assert response.status_code == 413, response.text
        assert response.json()["code"] == "batch_too_large"
        assert "FRAMING_MAX_BATCH" in response.json()["detail"]
        small = post_json(client, "/v1/analyze/batch", json.dumps({"documents": [{"text": "Hi there."}]}).encode())
        assert small.status_code == 200


# ----------------------------------------------------------------- 2. caps, deadlines, shutdown


def test_total_characters_per_request_are_capped(analyzer):
    settings = Settings(max_chars=1000, max_batch=8, max_request_chars=100)
    with TestClient(create_app(settings, analyzer=analyzer)) as client:
        documents = [{"text": "A calm sentence about the weather today. " * 1} for _ in range(3)]  # 3 x 41
        response = client.post("/v1/analyze/batch", json={"documents": documents})
        assert response.status_code == 413
        assert response.json()["code"] == "request_too_large"
        assert "FRAMING_MAX_REQUEST_CHARS" in response.json()["detail"]
        response = client.post("/v1/analyze", json={"text": "word " * 30})
        assert response.status_code == 413 and response.json()["code"] == "request_too_large"
        assert client.post("/v1/analyze/batch", json={"documents": documents[:2]}).status_code == 200


def test_a_request_past_its_deadline_gets_504_and_its_work_stops(analyzer):
    slow = SlowAnalyzer(analyzer)
    app = create_app(Settings(request_timeout=0.5, max_chars=30_000, max_request_chars=100_000), analyzer=slow)
    documents = [{"text": "The reckless regime lied again. " * 700} for _ in range(3)]  # one group each
    try:
        with TestClient(app) as client:
            started = time.monotonic()
            response = client.post("/v1/analyze/batch", json={"documents": documents})
            assert time.monotonic() - started < 5
            assert response.status_code == 504
            assert response.json()["code"] == "deadline_exceeded"
            assert "FRAMING_REQUEST_TIMEOUT" in response.json()["detail"]
            slow.release.set()
            deadline = time.monotonic() + 10
            while app.state.framing.pool.pending and time.monotonic() < deadline:
                time.sleep(0.05)
            assert app.state.framing.pool.pending == 0
    finally:
        slow.release.set()
    assert slow.passes == 1  # the second and third groups were never analysed


def test_work_for_a_client_that_disconnected_is_abandoned_and_not_counted_as_500(analyzer):
    slow = SlowAnalyzer(analyzer)
    app = create_app(Settings(max_chars=30_000, max_request_chars=100_000), analyzer=slow)
    body = json.dumps({"documents": [{"text": "The reckless regime lied again. " * 700}] * 3}).encode()
    gone = asyncio.Event()
    sent: list[dict] = []

    async def scenario() -> None:
        delivered = False

        async def receive():
            nonlocal delivered
            if not delivered:
                delivered = True
                return {"type": "http.request", "body": body, "more_body": False}
            await gone.wait()
            return {"type": "http.disconnect"}

        async def send(message):
            sent.append(message)

        scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "POST",
                 "scheme": "http", "path": "/v1/analyze/batch", "raw_path": b"/v1/analyze/batch",
                 "query_string": b"", "root_path": "", "client": ("127.0.0.1", 5), "server": ("t", 80),
                 "headers": [(b"host", b"t"), (b"content-type", b"application/json"),
                             (b"content-length", str(len(body)).encode())]}
        call = asyncio.create_task(app(scope, receive, send))
        await asyncio.to_thread(slow.started.wait, 10)
        gone.set()
        await asyncio.wait_for(call, 5)

    with TestClient(app) as client:  # runs the lifespan (starts the pool)
        try:
            asyncio.run(scenario())
        finally:
            slow.release.set()
        deadline = time.monotonic() + 10
        while app.state.framing.pool.pending and time.monotonic() < deadline:
            time.sleep(0.05)
        metrics = client.get("/metrics").text
    assert slow.passes == 1
    assert 'endpoint="/v1/analyze/batch",method="POST",status="499"' in metrics
    assert 'status="500"' not in metrics


def test_a_client_leaving_mid_body_is_not_a_500(analyzer):
    app = create_app(Settings(), analyzer=analyzer)

    async def scenario() -> None:
        messages = iter([{"type": "http.request", "body": b'{"text": "hal', "more_body": True},
                         {"type": "http.disconnect"}])

        async def receive():
            return next(messages)

        async def send(message):
            raise AssertionError("nothing is sent to a client that has gone")

        scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "POST",
                 "scheme": "http", "path": "/v1/analyze", "raw_path": b"/v1/analyze", "query_string": b"",
                 "root_path": "", "client": ("127.0.0.1", 5), "server": ("t", 80),
                 "headers": [(b"host", b"t"), (b"content-type", b"application/json")]}
        await app(scope, receive, send)

    with TestClient(app) as client:
        asyncio.run(scenario())
        metrics = client.get("/metrics").text
    assert 'endpoint="/v1/analyze",method="POST",status="499"' in metrics
    assert 'status="500"' not in metrics


def test_a_body_that_does_not_arrive_in_time_gets_408(analyzer):
    app = create_app(Settings(body_timeout=0.3), analyzer=analyzer)
    sent: list[dict] = []

    async def scenario() -> None:
        first = True

        async def receive():
            nonlocal first
            if first:
                first = False
                return {"type": "http.request", "body": b'{"text": "hal', "more_body": True}
            await asyncio.sleep(30)
            return {"type": "http.disconnect"}

        async def send(message):
            sent.append(message)

        scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "POST",
                 "scheme": "http", "path": "/v1/analyze", "raw_path": b"/v1/analyze", "query_string": b"",
                 "root_path": "", "client": ("127.0.0.1", 5), "server": ("t", 80),
                 "headers": [(b"host", b"t"), (b"content-type", b"application/json")]}
        await asyncio.wait_for(app(scope, receive, send), 5)

    asyncio.run(scenario())
    assert sent[0]["status"] == 408
    assert json.loads(sent[1]["body"])["code"] == "body_timeout"


def test_shutdown_answers_waiting_requests_503_and_does_not_wait_for_a_stuck_pass(analyzer):
    slow = SlowAnalyzer(analyzer)
    app = create_app(Settings(workers=1), analyzer=slow)
    pool = InferencePool(workers=1, queue_size=4, retry_after=1, metrics=ServiceMetrics(), timeout=60)
    app.dependency_overrides[get_pool] = lambda: pool

    async def scenario():
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as http:
            running = asyncio.create_task(http.post("/v1/analyze", json={"text": "First text."}))
            waiting = asyncio.create_task(http.post("/v1/analyze", json={"text": "Second text."}))
            await asyncio.to_thread(slow.started.wait, 10)
            await asyncio.sleep(0.1)
            started = time.monotonic()
            await asyncio.to_thread(pool.shutdown, 0.5)  # the pass in the worker never ends in time
            took = time.monotonic() - started
            return await running, await waiting, took

    try:
        running, waiting, took = asyncio.run(scenario())
    finally:
        slow.release.set()
    assert took < 2
    for response in (running, waiting):
        assert response.status_code == 503
        assert response.json()["code"] == "shutting_down"
    assert slow.passes == 1  # the queued request was never analysed


# ------------------------------------------------------------------ 3. bad strings and the schema


@pytest.mark.parametrize("path,body", [
    ("/v1/analyze", b'{"text":"hi","options":{"techniques":["\\ud800"]}}'),
    ("/v1/analyze/batch", b'{"documents":[{"text":"hi"}],"options":{"techniques":["\\ud800"]}}'),
    ("/v1/analyze", b'{"text":"hi","options":{"techniques":["Loaded_Language","x\\udfff"]}}'),
])
def test_a_lone_surrogate_in_an_option_is_a_422_not_a_500(analyzer, path, body):
    with TestClient(create_app(Settings(), analyzer=analyzer), raise_server_exceptions=False) as client:
        response = post_json(client, path, body)
        assert response.status_code == 422, response.text
        assert response.json()["errors"][0]["field"] == "options.techniques"
        assert "\\ud800" in response.text or "\\udfff" in response.text


def test_the_schema_says_what_the_api_does(analyzer):
    with TestClient(create_app(Settings(), analyzer=analyzer)) as client:
        schemas = client.get("/openapi.json").json()["components"]["schemas"]
        assert post_json(client, "/v1/analyze", b'{"text":"hi","options":{"sentences":0}}').status_code == 422
        assert schemas["AnalyzeOptions"]["properties"]["sentences"]["type"] == "boolean"
        for name, field in (("AnalyzeRequest", "text"), ("BatchDocument", "text"), ("AnnotationRequest", "text")):
            assert schemas[name]["properties"][field]["minLength"] == 1
            assert schemas[name]["properties"][field]["pattern"] == TEXT_SCHEMA["pattern"]
        assert post_json(client, "/v1/analyze", b'{"text":""}').status_code == 422
        assert post_json(client, "/v1/analyze", b'{"text":" \\n "}').status_code == 422
        assert schemas["AnnotationRequest"]["properties"]["model_version"]["minLength"] == 1
        for name in ("AnalyzeRequest", "BatchDocument", "AnnotationRequest"):
            assert schemas[name]["properties"]["id"]["pattern"] == ID_PATTERN


@pytest.mark.parametrize("text", ["a", " 7 ", "é", "\u0301", "日本", "Ⅻ", "😀 x", "", " ", "\u200b\u200b", "\ufeff",
                                  "😀", "...", "-", "\x1c", "\u2028"])
def test_the_text_pattern_accepts_exactly_the_texts_the_api_accepts(text):
    import regex  # the schema's \p{..} classes are ECMA-262 (unicode) syntax, which `re` lacks

    try:
        check_text(text)
        accepted = True
    except InputError:
        accepted = False
    assert bool(regex.search(TEXT_SCHEMA["pattern"], text)) == accepted


@pytest.mark.parametrize("value", ["a", "doc-1", "a b", " a", "a ", "", "\t", "a\tb", "a\nb", "x\x7f", "é ü",
                                   "a\u00a0", "\u2003a", "12"])
def test_the_id_pattern_accepts_exactly_the_ids_the_api_accepts(value):
    try:
        check_document_id(value)
        accepted = True
    except InputError:
        accepted = False
    assert bool(re.fullmatch(ID_PATTERN, value)) == accepted


# --------------------------------------------------------------- 5. admin key, hosts, readiness


def test_short_admin_keys_are_refused_at_start():
    with pytest.raises(SettingsError, match="at least 32"):
        Settings.from_env({"FRAMING_ADMIN_KEY": "short-key"})
    assert Settings.from_env({"FRAMING_ADMIN_KEY": KEY}).admin_key is not None


def test_failed_admin_attempts_are_rate_limited(analyzer):
    with TestClient(create_app(Settings(admin_key=KEY, admin_failures=3), analyzer=analyzer)) as client:
        for _ in range(3):
            assert client.post("/v1/admin/reload", headers={"X-API-Key": "wrong" * 8}).status_code == 403
        blocked = client.post("/v1/admin/reload", headers={"X-API-Key": "wrong" * 8})
        assert blocked.status_code == 429 and blocked.json()["code"] == "too_many_attempts"
        assert 1 <= int(blocked.headers["Retry-After"]) <= 60
        # Even the right key waits: otherwise the limit would only slow a guesser down.
        assert client.post("/v1/admin/reload", headers={"X-API-Key": KEY}).status_code == 429


def test_allowed_hosts_refuse_other_host_headers(analyzer):
    settings = Settings(host="0.0.0.0", allowed_hosts="framing.example.org, 10.0.0.5")
    with TestClient(create_app(settings, analyzer=analyzer), base_url="http://framing.example.org:8000") as client:
        assert client.get("/healthz").status_code == 200
        assert client.get("/healthz", headers={"host": "10.0.0.5"}).status_code == 200
        response = client.get("/healthz", headers={"host": "evil.example.com"})
        assert response.status_code == 400 and response.json()["code"] == "host_not_allowed"
        assert client.post("/v1/analyze", json={"text": "Hi."}, headers={"host": "rebound.test"}).status_code == 400


def test_readyz_reports_an_unusable_feedback_database_without_its_path(analyzer, tmp_path):
    (tmp_path / "a-file").write_text("not a folder")
    settings = Settings(feedback_db=tmp_path / "a-file" / "fb.sqlite3")
    with TestClient(create_app(settings, analyzer=analyzer)) as client:
        ready = client.get("/readyz")
        assert ready.status_code == 200
        assert ready.json()["status"] == "degraded" and ready.json()["feedback"]
        assert str(tmp_path) not in ready.text
    with TestClient(create_app(Settings(feedback_db=tmp_path / "new" / "fb.sqlite3"), analyzer=analyzer)) as ok:
        assert ok.get("/readyz").json() | {"model": None} == {"status": "ready", "model": None, "feedback": None}
