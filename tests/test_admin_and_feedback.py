"""Reloading the served model (admin endpoint and SIGHUP) and storing annotation feedback.

In-process tests run against a small model registry whose versions are hard links to the model
under test (see conftest.py) with their own version strings. The `slow` tests start `framing serve`
as a real process on a free loopback port: feedback survives a restart and trains a model, and
SIGHUP picks up a newly promoted version.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient
from support import GatedAnalyzer, free_port

from framing.model.analyzer import Analyzer
from framing.model.layout import MANIFEST, PROMOTED, WEIGHTS
from framing.service.api.app import create_app
from framing.service.api.deps import get_pool
from framing.service.api.errors import InvalidAnnotation
from framing.service.api.pool import InferencePool
from framing.service.cli import main
from framing.service.observability import ServiceMetrics
from framing.service.settings import Settings
from framing.training import feedback_store
from framing.training.documents import Problem
from framing.training.feedback_store import FeedbackStore
from framing.training.registry import Registry

KEY = "s3cret-admin-key-of-32-characters"
AUTH = {"Authorization": f"Bearer {KEY}"}
TEXT = "Only a fool would trust this reckless regime. Officials met on Monday."
FOOL = (TEXT.index("a fool"), TEXT.index("a fool") + len("a fool"))
RECKLESS = (TEXT.index("reckless"), TEXT.index("reckless") + len("reckless"))


# ------------------------------------------------------------------------------------ helpers

def add_version(registry: Path, version: str, source: Path) -> Path:
    """A registry version holding `source`'s model files (hard-linked where possible) as `version`."""
    target = registry / "versions" / version
    target.mkdir(parents=True)
    for item in source.iterdir():
        if item.is_file() and item.name != MANIFEST:
            try:
                os.link(item, target / item.name)
            except OSError:
                shutil.copy2(item, target / item.name)
    manifest = json.loads((source / MANIFEST).read_text(encoding="utf-8"))
    manifest["version"] = version
    (target / MANIFEST).write_text(json.dumps(manifest), encoding="utf-8")
    return target


def add_broken_version(registry: Path, version: str, source: Path) -> Path:
    """A version that looks complete but whose weights are garbage: only loading it shows that."""
    target = add_version(registry, version, source)
    (target / WEIGHTS).unlink()  # a hard link: never write through it
    (target / WEIGHTS).write_bytes(b"\x00not safetensors at all" * 8)
    return target


@pytest.fixture
def registry(tmp_path: Path, shipped_model_dir: Path) -> Path:
    root = tmp_path / "registry"
    add_version(root, "v1", shipped_model_dir)
    add_version(root, "v2", shipped_model_dir)
    Registry(root).promote("v1")
    return root




def metric(text: str, series: str, **labels: str) -> float:
    wanted = ",".join(f'{key}="{value}"' for key, value in sorted(labels.items()))
    for line in text.splitlines():
        match = re.match(r"^(\w+)(?:\{(.*)\})? (\S+)$", line)
        if match and match.group(1) == series and ",".join(sorted(filter(None, (match.group(2) or "").split(",")))) \
                == wanted:
            return float(match.group(3))
    return 0.0


# ------------------------------------------------------------------------------------- reload

def test_reload_needs_the_admin_key(registry: Path):
    app = create_app(Settings(model_dir=registry, admin_key=KEY))
    with TestClient(app) as client:
        assert client.get("/v1/model").json()["version"] == "v1"  # a registry serves its promoted version

        missing = client.post("/v1/admin/reload")
        assert missing.status_code == 401
        assert missing.json()["code"] == "unauthorized"
        assert missing.headers["WWW-Authenticate"] == "Bearer"
        assert client.post("/v1/admin/reload", headers={"Authorization": f"Basic {KEY}"}).status_code == 401
        for headers in ({"Authorization": "Bearer wrong"}, {"X-API-Key": "wrong"}, {"X-API-Key": KEY + "x"}):
            wrong = client.post("/v1/admin/reload", headers=headers)
            assert wrong.status_code == 403, headers
            assert wrong.json()["code"] == "forbidden"
            assert KEY not in wrong.text

        by_bearer = client.post("/v1/admin/reload", headers=AUTH)
        assert by_bearer.status_code == 200, by_bearer.text
        assert by_bearer.json()["model"]["version"] == "v1" and by_bearer.json()["reloads"] == 1
        by_header = client.post("/v1/admin/reload", headers={"X-API-Key": KEY})
        assert by_header.status_code == 200 and by_header.json()["reloads"] == 2
        assert client.get("/v1/model").json()["reloads"] == 2


def test_reload_is_disabled_without_a_configured_key(analyzer: Analyzer):
    assert Settings.from_env({"FRAMING_ADMIN_KEY": "  "}).admin_key is None
    settings = Settings.from_env({"FRAMING_ADMIN_KEY": KEY})
    assert settings.admin_key is not None and KEY not in repr(settings)
    with TestClient(create_app(Settings(), analyzer=analyzer)) as client:
        for headers in ({}, AUTH, {"X-API-Key": ""}):
            response = client.post("/v1/admin/reload", headers=headers)
            assert response.status_code == 403
            assert response.json()["code"] == "admin_disabled"
            assert "FRAMING_ADMIN_KEY" in response.json()["detail"]


def test_reload_picks_up_a_promoted_version_while_a_request_is_in_flight(registry: Path):
    gated = GatedAnalyzer(Analyzer.load(registry / "versions" / "v1"))
    app = create_app(Settings(model_dir=registry, admin_key=KEY, workers=2), analyzer=gated)
    pool = InferencePool(workers=2, queue_size=16, retry_after=1, metrics=ServiceMetrics())
    app.dependency_overrides[get_pool] = lambda: pool  # shut down below: this test runs no lifespan

    async def scenario():
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test", timeout=60) as http:
            in_flight = asyncio.create_task(http.post("/v1/analyze", json={"text": TEXT, "id": "before"}))
            assert await asyncio.wait_for(asyncio.to_thread(gated.entered.acquire, timeout=30), 40)
            Registry(registry).promote("v2", force=True)  # the same model: reloads, not the gate
            reload = await http.post("/v1/admin/reload", headers=AUTH)
            after = await http.post("/v1/analyze", json={"text": TEXT, "id": "after"})
            model = await http.get("/v1/model")
            metrics = await http.get("/metrics")
            assert not in_flight.done(), "the in-flight request must still be waiting on the old model"
            gated.gate.set()
            before = await asyncio.wait_for(in_flight, 60)
            return reload, before, after, model, metrics

    try:
        reload, before, after, model, metrics = asyncio.run(scenario())
    finally:
        gated.gate.set()
        pool.shutdown()
    assert reload.status_code == 200, reload.text
    assert reload.json()["status"] == "reloaded"
    assert reload.json()["previous"]["version"] == "v1" and reload.json()["model"]["version"] == "v2"
    assert before.status_code == 200 and before.json()["model"]["version"] == "v1"
    assert after.status_code == 200 and after.json()["model"]["version"] == "v2"
    assert model.json()["version"] == "v2" and model.json()["reloads"] == 1 and model.json()["loaded_at"]
    assert metric(metrics.text, "framing_model_reloads_total", outcome="ok") == 1
    assert metric(metrics.text, "framing_model_info", name=reload.json()["model"]["name"], version="v2") == 1


def test_a_failed_reload_keeps_serving_the_old_model(registry: Path, shipped_model_dir: Path, tmp_path: Path):
    add_broken_version(registry, "v3", shipped_model_dir)
    app = create_app(Settings(model_dir=registry, admin_key=KEY))
    with TestClient(app) as client:
        assert client.get("/v1/model").json()["version"] == "v1"

        Registry(registry).promote("v3", force=True)  # broken weights
        broken = client.post("/v1/admin/reload", headers=AUTH)
        (registry / PROMOTED).write_text("v9\n")  # promoted version missing
        missing = client.post("/v1/admin/reload", headers=AUTH)
        (registry / PROMOTED).unlink()  # nothing promoted at all
        unpromoted = client.post("/v1/admin/reload", headers=AUTH)

        for response in (broken, missing, unpromoted):
            assert response.status_code == 409, response.text
            body = response.json()
            assert body["code"] == "reload_failed"
            assert "still serving" in body["detail"] and "v1" in body["detail"]
        assert "v9" in missing.json()["detail"]
        assert "promote" in unpromoted.json()["detail"]

        analysis = client.post("/v1/analyze", json={"text": TEXT})
        assert analysis.status_code == 200 and analysis.json()["model"]["version"] == "v1"
        assert client.get("/v1/model").json()["version"] == "v1"
        assert client.get("/readyz").status_code == 200
        metrics = client.get("/metrics").text
        assert metric(metrics, "framing_model_reloads_total", outcome="failed") == 3
        assert metric(metrics, "framing_model_reloads_total", outcome="ok") == 0

        Registry(registry).promote("v1", force=True)  # once fixed, a reload works again
        assert client.post("/v1/admin/reload", headers=AUTH).status_code == 200


def test_a_failed_reload_of_a_missing_model_folder_keeps_serving(analyzer: Analyzer, tmp_path: Path):
    app = create_app(Settings(model_dir=tmp_path / "gone", admin_key=KEY), analyzer=analyzer)
    with TestClient(app) as client:
        response = client.post("/v1/admin/reload", headers={"X-API-Key": KEY})
        assert response.status_code == 409
        assert "not a framing model directory" in response.json()["detail"]
        assert client.post("/v1/analyze", json={"text": TEXT}).status_code == 200
        assert client.get("/v1/model").json()["version"] == analyzer.info.version


# -------------------------------------------------------------------------------- annotations

def annotation(**fields) -> dict:
    body = {"text": TEXT, "spans": [{"start": FOOL[0], "end": FOOL[1], "label": "Name_Calling-Labeling"},
                                     {"start": RECKLESS[0], "end": RECKLESS[1], "label": "Loaded_Language",
                                      "text": "reckless"}],
            "frames": ["Political"]}
    body.update(fields)
    return body


@pytest.fixture
def feedback_client(analyzer: Analyzer, tmp_path: Path):
    settings = Settings(max_chars=500, feedback_db=tmp_path / "feedback" / "fb.sqlite3")
    with TestClient(create_app(settings, analyzer=analyzer)) as client:
        yield client, settings.feedback_db


def test_annotations_are_stored_with_the_served_model_version(feedback_client, analyzer: Analyzer):
    client, db = feedback_client
    assert client.get("/v1/model").status_code == 200
    assert not db.exists(), "the database is created by the first annotation, not at start-up"

    first = client.post("/v1/annotations", json=annotation(id="fix-1"))
    assert first.status_code == 201, first.text
    assert first.json() == {"id": "fix-1", "status": "stored", "model_version": analyzer.info.version}
    again = client.post("/v1/annotations", json=annotation(id="fix-1"))
    assert again.status_code == 200 and again.json()["status"] == "unchanged"

    unnamed = client.post("/v1/annotations", json={"text": "Officials met on Monday.", "spans": []})
    assert unnamed.status_code == 201
    new_id = unnamed.json()["id"]
    assert new_id and new_id != "fix-1"
    older = client.post("/v1/annotations", json=annotation(id="fix-2", model_version="v0", frames=None))
    assert older.status_code == 201 and older.json()["model_version"] == "v0"
    # An integer id is its decimal string, as in /v1/analyze and batch input files; a bool is refused.
    numbered = client.post("/v1/annotations", json={"text": "Officials met on Tuesday.", "spans": [], "id": 17})
    assert numbered.status_code == 201 and numbered.json()["id"] == "17"
    assert client.post("/v1/annotations", json={"text": "Officials met.", "spans": [], "id": True}).status_code == 422

    with FeedbackStore(db) as store:
        records = {record.document.id: record for record in store.records()}
    assert list(records) == ["fix-1", new_id, "fix-2", "17"]
    fix = records["fix-1"].document
    assert [(s.start, s.end, s.technique) for s in fix.spans] == [
        (*FOOL, "Name_Calling-Labeling"), (*RECKLESS, "Loaded_Language")]
    assert fix.frames == ["Political"] and records["fix-1"].model_version == analyzer.info.version
    assert records[new_id].document.spans == [] and records[new_id].document.frames is None
    assert records["fix-2"].model_version == "v0" and records["fix-2"].document.frames is None

    metrics = client.get("/metrics").text
    assert metric(metrics, "framing_annotations_total", outcome="stored") == 4
    assert metric(metrics, "framing_annotations_total", outcome="unchanged") == 1


def test_stats_count_what_export_would_write_without_creating_the_database(feedback_client):
    client, db = feedback_client
    assert client.get("/v1/annotations/stats").json() == {"stored": 0}
    assert not db.exists(), "asking for the count must not create the database"
    assert client.post("/v1/annotations", json=annotation(id="fix-1")).status_code == 201
    assert client.post("/v1/annotations", json=annotation(id="fix-1")).status_code == 200  # unchanged
    assert client.post("/v1/annotations", json=annotation(id="fix-2")).status_code == 201
    assert client.get("/v1/annotations/stats").json() == {"stored": 2}
    with FeedbackStore(db) as store:
        assert len(store) == 2


def test_bad_annotations_get_422_with_every_reason_and_nothing_is_stored(feedback_client):
    client, db = feedback_client
    bad = annotation(id="bad", spans=[
        {"start": 0, "end": 4, "label": "Loaded_language"},                 # misspelt label
        {"start": 60, "end": 600, "label": "Loaded_Language"},              # outside the text
        {"start": RECKLESS[0], "end": RECKLESS[1], "label": "Loaded_Language", "text": "careful"},
    ], frames=["Politics"])
    response = client.post("/v1/annotations", json=bad)
    assert response.status_code == 422, response.text
    body = response.json()
    assert body["code"] == "invalid_annotation"
    fields = [error["field"] for error in body["errors"]]
    assert fields == ["spans.0", "spans.1", "spans.2", "frames"]
    messages = " ".join(error["message"] for error in body["errors"])
    assert "'Loaded_Language'" in messages  # the suggestion for the misspelt label
    assert "outside the text" in messages and "does not match" in messages and "Politics" in messages
    assert "spans.0" in body["detail"]

    for payload, code in [
        (annotation(spans=[{"start": "0", "end": 4, "label": "Loaded_Language"}]), "invalid_request"),
        (annotation(spans=[{"start": 4, "end": 4, "label": "Loaded_Language"}]), "invalid_annotation"),
        (annotation(spans=[{"start": 0, "end": 4}]), "invalid_request"),
        (annotation(text="   "), "empty_text"),
        (annotation(frames="Political"), "invalid_request"),
        (annotation(surprise=True), "invalid_request"),
        (annotation(id=""), "invalid_annotation"),
    ]:
        answer = client.post("/v1/annotations", json=payload)
        assert answer.status_code == 422, (payload, answer.text)
        assert answer.json()["code"] == code, (payload, answer.text)
    assert client.post("/v1/annotations", json=annotation(text="x" * 501)).status_code == 413
    assert client.post("/v1/annotations", content=json.dumps(annotation()),
                       headers={"content-type": "text/plain"}).status_code == 415

    metrics = client.get("/metrics").text
    assert metric(metrics, "framing_annotations_total", outcome="invalid") == 3
    assert not db.exists() or len(FeedbackStore(db)) == 0


def test_error_fields_come_from_the_validator_not_from_its_wording(feedback_client, monkeypatch):
    """The API reports each problem under the field the validator names, whatever its message says
    (a message about frames that starts like a span message stays under `frames`)."""
    client, _ = feedback_client
    problems = [Problem.span(1, "Reworded: this span is not acceptable"),
                Problem("frames", "span 9: unknown frame, said in other words"),
                Problem("text", "id something that reads like an id problem")]
    monkeypatch.setattr(feedback_store, "validate_document", lambda *args, **kwargs: (None, problems))
    response = client.post("/v1/annotations", json=annotation(id="reworded"))
    assert response.status_code == 422, response.text
    body = response.json()
    assert body["code"] == "invalid_annotation"
    assert body["errors"] == [{"field": problem.field, "message": problem.message, "type": "invalid_annotation"}
                              for problem in problems]
    assert body["detail"] == "; ".join(f"{problem.field}: {problem.message}" for problem in problems)


def test_validator_problems_map_to_the_fields_and_messages_the_api_always_gave():
    error = InvalidAnnotation([Problem.span(0, "unknown technique 'X'"), Problem("frames", "unknown frame 'Y'"),
                               Problem("id", "id must be a non-empty string, got ''")])
    assert (error.status, error.code) == (422, "invalid_annotation")
    assert [(item["field"], item["message"]) for item in error.errors] == [
        ("spans.0", "unknown technique 'X'"), ("frames", "unknown frame 'Y'"),
        ("id", "id must be a non-empty string, got ''")]
    assert error.message.startswith("spans.0: unknown technique 'X'; frames: unknown frame 'Y'")
    many = InvalidAnnotation([Problem.span(index, "bad") for index in range(7)])
    assert many.message.endswith("spans.4: bad; and 2 more") and len(many.errors) == 7


def test_a_different_annotation_under_a_stored_id_is_a_conflict(feedback_client):
    client, db = feedback_client
    assert client.post("/v1/annotations", json=annotation(id="same")).status_code == 201
    conflict = client.post("/v1/annotations", json=annotation(id="same", frames=["Economic"]))
    assert conflict.status_code == 409
    assert conflict.json()["code"] == "annotation_conflict" and "same" in conflict.json()["detail"]
    with FeedbackStore(db) as store:
        assert store.get("same").document.frames == ["Political"]  # nothing stored is overwritten
        assert len(store) == 1


def test_an_unwritable_feedback_database_answers_503(analyzer: Analyzer, tmp_path: Path):
    (tmp_path / "a-file").write_text("not a folder")
    settings = Settings(feedback_db=tmp_path / "a-file" / "fb.sqlite3")
    with TestClient(create_app(settings, analyzer=analyzer)) as client:
        response = client.post("/v1/annotations", json=annotation())
        assert response.status_code == 503
        # A misconfiguration: retrying will not help (no Retry-After), and no server path is shown.
        assert response.json()["code"] == "feedback_misconfigured" and "Retry-After" not in response.headers
        assert str(tmp_path) not in response.text
        assert client.post("/v1/analyze", json={"text": TEXT}).status_code == 200


def test_openapi_documents_reload_and_annotations(feedback_client):
    client, _ = feedback_client
    schema = client.get("/openapi.json").json()
    reload = schema["paths"]["/v1/admin/reload"]["post"]
    assert {"200", "401", "403", "409"} <= set(reload["responses"])
    assert {"AdminBearer", "AdminApiKey"} <= {name for item in reload["security"] for name in item}
    annotate = schema["paths"]["/v1/annotations"]["post"]
    assert {"201", "409", "422", "503"} <= set(annotate["responses"])
    examples = annotate["requestBody"]["content"]["application/json"]["examples"]
    example = examples["corrected"]["value"]
    for span in example["spans"]:
        highlighted = example["text"][span["start"]:span["end"]]
        assert highlighted.strip() == highlighted and span.get("text", highlighted) == highlighted
    assert client.post("/v1/annotations", json=example).status_code == 201


# -------------------------------------------------------------------- a real `framing serve`

START_TIMEOUT = 120


def http(url: str, body: dict | None = None, headers: dict | None = None, timeout: float = 60) -> tuple[int, dict]:
    data = json.dumps(body).encode("utf-8") if body is not None else None
    all_headers = {**({"content-type": "application/json"} if body is not None else {}), **(headers or {})}
    method = "POST" if body is not None or url.endswith("/reload") else "GET"
    req = urllib.request.Request(url, data=data, headers=all_headers, method=method)
    try:
        with urllib.request.urlopen(req, timeout=timeout) as response:
            return response.status, json.loads(response.read() or b"null")
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"null")


class Server:
    """`framing serve` in a subprocess on a free loopback port; every wait is bounded."""

    def __init__(self, workdir: Path, log_path: Path, **env: str) -> None:
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log_path = log_path
        environment = {key: value for key, value in os.environ.items() if key != "FRAMING_ADMIN_KEY"}
        environment.update({"FRAMING_HOST": "127.0.0.1", "FRAMING_PORT": str(self.port), "FRAMING_THREADS": "1",
                            "FRAMING_LOG_LEVEL": "info", **env})
        with open(log_path, "ab") as log:
            self.process = subprocess.Popen([sys.executable, "-m", "framing.service.cli", "serve"], cwd=workdir,
                                            env=environment, stdout=log, stderr=subprocess.STDOUT)
        try:
            deadline = time.monotonic() + START_TIMEOUT
            while True:
                assert self.process.poll() is None, f"server exited early:\n{self.log()}"
                try:
                    if http(self.base + "/readyz", timeout=2)[0] == 200:
                        break
                except OSError:
                    pass
                assert time.monotonic() < deadline, f"not ready in {START_TIMEOUT}s:\n{self.log()}"
                time.sleep(0.2)
        except BaseException:
            self.kill()
            raise

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def stop(self) -> None:
        self.process.terminate()
        assert self.process.wait(30) in (0, -signal.SIGTERM), self.log()

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait(10)


@pytest.mark.slow
def test_feedback_survives_a_restart_and_trains_a_model(shipped_model_dir: Path, sample_corpus: Path,
                                                        tmp_path: Path):
    db = tmp_path / "feedback.sqlite3"
    env = {"FRAMING_MODEL_DIR": str(shipped_model_dir), "FRAMING_FEEDBACK_DB": str(db)}
    accepted = {
        "fb-1": annotation(id="fb-1"),
        "fb-2": {"id": "fb-2", "text": "The brave heroes defended the homeland.\nNobody else came.",
                 "spans": [{"start": 4, "end": 16, "label": "Loaded_Language"},
                           {"start": 30, "end": 38, "label": "Flag_Waving"}],
                 "frames": ["Security_and_defense"]},
    }
    rejected = [annotation(id="fb-bad", spans=[{"start": 0, "end": 999, "label": "Loaded_Language"}]),
                annotation(id="fb-1", frames=["Economic"])]  # conflicts with the stored fb-1

    server = Server(tmp_path, tmp_path / "server.log", **env)
    try:
        version = http(server.base + "/v1/model")[1]["version"]
        for body in accepted.values():
            status, answer = http(server.base + "/v1/annotations", body)
            assert status == 201, answer
        status, answer = http(server.base + "/v1/annotations", {"text": "Officials met on Monday.", "spans": []})
        assert status == 201, answer
        accepted[answer["id"]] = {"text": "Officials met on Monday.", "spans": [], "frames": None}
        assert [http(server.base + "/v1/annotations", body)[0] for body in rejected] == [422, 409]
        server.stop()
    finally:
        server.kill()

    server = Server(tmp_path, tmp_path / "server.log", **env)  # the same database, a new process
    try:
        assert http(server.base + "/v1/annotations", accepted["fb-1"])[0] == 200  # still there, unchanged
        assert http(server.base + "/v1/annotations", rejected[1])[0] == 409
        accepted["fb-3"] = annotation(id="fb-3", text=TEXT + "\nA second paragraph.", frames=[])
        status, answer = http(server.base + "/v1/annotations", accepted["fb-3"])
        assert status == 201, answer
        server.stop()
    finally:
        server.kill()
    assert "Traceback" not in server.log(), server.log()

    exported = tmp_path / "feedback.jsonl"
    assert main(["annotations", "export", "--db", str(db), "-o", str(exported)]) == 0
    records = [json.loads(line) for line in exported.read_text(encoding="utf-8").splitlines()]
    assert [record["id"] for record in records] == list(accepted)
    for record in records:
        sent = accepted[record["id"]]
        assert record["text"] == sent["text"]
        assert sorted((s["start"], s["end"], s["label"]) for s in record["spans"]) == sorted(
            (s["start"], s["end"], s["label"]) for s in sent["spans"])
        assert record.get("frames") == sent.get("frames")
        assert record["meta"]["model_version"] == version

    # The feedback round trip: the export is training data, beside the project's sample corpus.
    config = tmp_path / "tiny.json"
    config.write_text(json.dumps({"checkpoint_every": 2, "heldout_fraction": 0.34, "threads": 1}))
    model = tmp_path / "model"
    assert main(["train", "--data", str(exported), "--data", str(sample_corpus), "-o", str(model),
                 "--config", str(config), "--max-steps", "2", "--no-baseline", "--strict"]) == 0
    data = json.loads((model / "data.json").read_text(encoding="utf-8"))
    assert set(accepted) <= {document["id"] for document in data["documents"]}
    assert Analyzer.load(model).analyze(TEXT).spans is not None


@pytest.mark.slow
def test_sighup_and_the_admin_endpoint_reload_a_real_server(registry: Path, shipped_model_dir: Path,
                                                           tmp_path: Path):
    server = Server(tmp_path, tmp_path / "server.log", FRAMING_MODEL_DIR=str(registry),
                    FRAMING_ADMIN_KEY=KEY, FRAMING_FEEDBACK_DB=str(tmp_path / "fb.sqlite3"))
    try:
        assert http(server.base + "/v1/model")[1]["version"] == "v1"

        Registry(registry).promote("v2", force=True)  # the same model: reloads, not the gate
        server.process.send_signal(signal.SIGHUP)
        deadline = time.monotonic() + 60
        while (model := http(server.base + "/v1/model")[1])["version"] != "v2":
            assert time.monotonic() < deadline, f"SIGHUP did not reload:\n{server.log()}"
            assert server.process.poll() is None, server.log()
            time.sleep(0.2)
        assert model["reloads"] == 1
        status, analysis = http(server.base + "/v1/analyze", {"text": TEXT})
        assert status == 200 and analysis["model"]["version"] == "v2"

        (registry / PROMOTED).write_text("v7\n")  # a version that does not exist
        status, answer = http(server.base + "/v1/admin/reload", headers=AUTH)
        assert status == 409 and "v7" in answer["detail"], answer
        assert http(server.base + "/v1/admin/reload")[0] == 401
        Registry(registry).promote("v1", force=True)
        status, answer = http(server.base + "/v1/admin/reload", headers={"X-API-Key": KEY})
        assert status == 200 and answer["model"]["version"] == "v1", answer
        assert http(server.base + "/v1/model")[1]["reloads"] == 2
        assert server.process.poll() is None
        server.stop()
    finally:
        server.kill()
    log = server.log()
    assert "Traceback" not in log, log
    assert KEY not in log
    assert "model reloaded" in log and "reload failed" in log
