"""The HTTP API in-process, against the model under test (see conftest.py).

Assertions hold for any model: shapes, exact offsets, filtering consistency, status codes and
ordering; nothing depends on which labels a particular model asserts.
"""

from __future__ import annotations

import asyncio
import json
import re

import httpx
import pytest
from fastapi.testclient import TestClient
from support import GatedAnalyzer

from framing.model.analyzer import Analyzer, EmptyTextError
from framing.model.filtering import filter_analysis
from framing.model.schema import Analysis, ModelInfo
from framing.model.taxonomy import FRAME_LABELS, TECHNIQUE_LABELS, TECHNIQUES
from framing.service.api import middleware
from framing.service.api.app import create_app
from framing.service.api.deps import get_model_state, get_pool
from framing.service.api.errors import text_problem
from framing.service.api.pool import InferencePool
from framing.service.api.runtime import ModelState
from framing.service.batch.inputs import record_from_object
from framing.service.observability import ServiceMetrics
from framing.service.settings import Settings, SettingsError

TEXT = (
    "The brutal, barbaric terrorists slaughtered innocent civilians. Officials said talks resume today.\n"
    "Café owners 🙂 in the old town — who had seen it all — feared the worst.\n\n"
    "Nobody knows what comes next. Mr. Hale, the mayor, urged calm."
)


@pytest.fixture(scope="module")
def client(analyzer: Analyzer):
    with TestClient(create_app(Settings(max_chars=5000, max_batch=4), analyzer=analyzer)) as test_client:
        yield test_client


def post_raw(client: TestClient, path: str, body: bytes, content_type: str | None = "application/json"):
    headers = {"content-type": content_type} if content_type is not None else {}
    return client.post(path, content=body, headers=headers)


def check_analysis(body: dict, text: str) -> Analysis:
    """Everything an Analysis must satisfy whatever the model predicts."""
    analysis = Analysis.model_validate(body)
    n = len(text)
    for sp in analysis.spans:
        assert 0 <= sp.start < sp.end <= n
        assert text[sp.start : sp.end] == sp.text
        assert sp.label in TECHNIQUES
        assert analysis.sentences == [] or sp.sentence < len(analysis.sentences)
    previous_end = 0
    for i, sentence in enumerate(analysis.sentences):
        assert sentence.index == i
        assert previous_end <= sentence.start < sentence.end <= n
        previous_end = sentence.end
    lists = [analysis.frames, analysis.techniques] + [s.techniques for s in analysis.sentences] + [
        s.frames for s in analysis.sentences]
    for items in lists:
        scores = [item.score for item in items]
        assert scores == sorted(scores, reverse=True)
        assert len({item.label for item in items}) == len(items)
    return analysis


# ------------------------------------------------------------------------------- /v1/analyze

def test_analyze_returns_the_analysis_with_exact_offsets(client, analyzer):
    response = client.post("/v1/analyze", json={"text": TEXT, "id": "doc-1"})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/json")
    analysis = check_analysis(response.json(), TEXT)
    assert analysis.id == "doc-1"
    assert analysis.model == analyzer.info
    assert len(analysis.sentences) >= 4
    for sp in analysis.spans:
        sentence = analysis.sentences[sp.sentence]
        assert sentence.start <= sp.start


def test_analyze_goes_through_the_same_analyzer_as_the_cli(client, analyzer):
    response = client.post("/v1/analyze", json={"text": TEXT})
    assert response.json() == analyzer.analyze(TEXT).model_dump(mode="json")


def test_id_is_optional(client):
    response = client.post("/v1/analyze", json={"text": "Short text."})
    assert response.status_code == 200
    assert response.json()["id"] is None


def test_an_integer_id_is_its_decimal_string_as_in_batch_input(client):
    # Batch input files accept `"id": 5` (annotation tools number their documents); the API agrees.
    assert record_from_object({"id": 5, "text": "Short text."}, "in.jsonl:1").id == "5"
    response = client.post("/v1/analyze", json={"text": "Short text.", "id": 5})
    assert response.status_code == 200, response.text
    assert response.json()["id"] == "5"
    batch = client.post("/v1/analyze/batch", json={"documents": [{"text": "Short text.", "id": -12},
                                                                 {"text": "", "id": 0}]})
    assert batch.status_code == 200, batch.text
    results = batch.json()["results"]
    assert [r["id"] for r in results] == ["-12", "0"] and results[0]["analysis"]["id"] == "-12"
    for bad in (True, 5.0, [5]):
        refused = client.post("/v1/analyze", json={"text": "Short text.", "id": bad})
        assert refused.status_code == 422 and refused.json()["errors"][0]["field"] == "id"
        assert "a non-empty string or an integer" in refused.json()["detail"]
    schema = client.get("/openapi.json").json()["components"]["schemas"]
    for name in ("AnalyzeRequest", "BatchDocument", "AnnotationRequest"):  # one shared id type (schemas.py)
        assert {"type": "integer"} in schema[name]["properties"]["id"]["anyOf"]


def test_filters_apply_to_every_list_consistently(client, analyzer):
    full = analyzer.analyze(TEXT)
    # Techniques present in the unfiltered answer when there are any, else two fixed names.
    present = [item.label for item in full.techniques][:2] or ["Loaded_Language", "Doubt"]
    options = {"techniques": present, "min_score": 0.55}
    response = client.post("/v1/analyze", json={"text": TEXT, "options": options})
    assert response.status_code == 200
    filtered = check_analysis(response.json(), TEXT)
    assert filtered == filter_analysis(full, present, 0.55)
    labels = {i.label for i in filtered.techniques} | {s.label for s in filtered.spans}
    for sentence in filtered.sentences:
        labels |= {i.label for i in sentence.techniques}
        assert all(i.score >= 0.55 for i in sentence.techniques + sentence.frames)
    assert labels <= set(present)
    assert all(i.score >= 0.55 for i in filtered.frames + filtered.techniques)
    assert all(s.score >= 0.55 for s in filtered.spans)


def test_sentences_false_leaves_out_the_breakdown(client, analyzer):
    response = client.post("/v1/analyze", json={"text": TEXT, "options": {"sentences": False}})
    assert response.status_code == 200
    body = response.json()
    assert body["sentences"] == []
    assert body["spans"] == analyzer.analyze(TEXT).model_dump(mode="json")["spans"]


def test_min_score_one_keeps_only_certainties(client):
    body = client.post("/v1/analyze", json={"text": TEXT, "options": {"min_score": 1.0}}).json()
    assert all(item["score"] == 1.0 for item in body["frames"] + body["techniques"] + body["spans"])


# ------------------------------------------------------------------------------- bad input

@pytest.mark.parametrize("content_type", [None, "text/plain", "application/x-www-form-urlencoded",
                                          "multipart/form-data; boundary=x", "application/json; charset=latin-1"])
def test_wrong_content_type_is_415(client, content_type):
    response = post_raw(client, "/v1/analyze", b'{"text": "Hello there."}', content_type)
    assert response.status_code == 415
    assert "application/json" in response.json()["detail"]


def test_json_content_type_variants_are_accepted(client):
    for content_type in ("application/json; charset=utf-8", "Application/JSON", "application/vnd.api+json"):
        assert post_raw(client, "/v1/analyze", b'{"text": "Hello there."}', content_type).status_code == 200


@pytest.mark.parametrize(("body", "field"), [
    (b'{"text": ', "body"),
    (b"", "body"),
    (b"[1, 2]", "body"),
    (b"\xff\xfe\x00", "body"),
    (b'{"id": "x"}', "text"),
    (b'{"text": 42}', "text"),
    (b'{"text": "ok", "idd": "x"}', "idd"),
    (b'{"text": "ok", "options": {"min_score": 1.5}}', "options.min_score"),
    (b'{"text": "ok", "options": {"min_score": NaN}}', "options.min_score"),
    (b'{"text": "ok", "options": {"min_score": "0.5"}}', "options.min_score"),
    (b'{"text": "ok", "options": {"min_score": true}}', "options.min_score"),
    (b'{"text": "ok", "options": {"techniques": "Loaded_Language"}}', "options.techniques"),
    (b'{"text": "ok", "options": {"techniques": ["Loaded_Langauge"]}}', "options.techniques"),
    (b'{"text": "ok", "options": {"sentence": false}}', "options.sentence"),
    (b'{"text": "ok", "id": 7.0}', "id"),
    (b'{"text": "ok", "id": true}', "id"),
    (b'{"text": "\\ud800 lone surrogate"}', "text"),
])
def test_malformed_json_or_schema_is_422_naming_the_field(client, body, field):
    response = post_raw(client, "/v1/analyze", body)
    assert response.status_code == 422, response.text
    detail = response.json()["detail"]
    assert detail.startswith(f"{field}:") or f"; {field}:" in detail, detail


def test_an_unknown_technique_option_suggests_the_known_name(client):
    response = client.post("/v1/analyze", json={"text": "ok", "options": {"techniques": ["loaded language"]}})
    assert response.status_code == 422
    error = response.json()["errors"][0]
    assert error["field"] == "options.techniques"
    assert "loaded language (did you mean 'Loaded_Language'?)" in error["message"]


@pytest.mark.parametrize(("text", "code"), [("", "empty_text"), (" ", "empty_text"), ("\n\t \n", "empty_text"),
                                           ("\u200b\u200b", "empty_text"), ("\ufeff", "empty_text"),
                                           ("😀", "no_words"), ("...", "no_words"), ("- 🙂 -", "no_words")])
def test_text_with_no_word_is_422(client, text, code):
    response = client.post("/v1/analyze", json={"text": text})
    assert response.status_code == 422
    assert response.json()["code"] == code
    assert response.json()["detail"].startswith("text:")
    batch = client.post("/v1/analyze/batch", json={"documents": [{"text": "A word."}, {"text": text}]})
    assert batch.status_code == 200, batch.text
    results = batch.json()["results"]
    assert results[0]["analysis"] and results[1]["error"]["code"] == code


@pytest.mark.parametrize(("text", "status", "code", "message"), [
    ("", 422, "empty_text", "text is empty"),
    ("...", 422, "no_words", "text has no words to analyse (no letter or digit)"),
    ("x" * 5001, 413, "text_too_long", "text has 5,001 characters, over the limit of 5,000"),
])
def test_a_text_refused_by_the_api_names_the_field_in_errors(client, text, status, code, message):
    # As a schema error does (`errors[].field`), so a client reads one place to find the bad field.
    response = client.post("/v1/analyze", json={"text": text})
    assert response.status_code == status
    assert response.json() == {"detail": f"text: {message}", "code": code,
                               "errors": [{"field": "text", "message": message, "type": code}]}
    problem = text_problem(text, 5000, "documents.3.text")  # the batch endpoint's field names
    assert problem is not None and problem.errors == [{"field": "documents.3.text", "message": message,
                                                       "type": code}]


def test_text_over_the_limit_is_413_and_at_the_limit_is_fine(analyzer):
    app = create_app(Settings(max_chars=40), analyzer=analyzer)
    with TestClient(app) as small:
        at_limit = "Word " * 7 + "words"  # 40 characters
        assert len(at_limit) == 40
        assert small.post("/v1/analyze", json={"text": at_limit}).status_code == 200
        response = small.post("/v1/analyze", json={"text": at_limit + "!"})
        assert response.status_code == 413
        assert response.json()["code"] == "text_too_long"
        # Characters are code points, not bytes: 38 emoji and a word are within the limit.
        assert small.post("/v1/analyze", json={"text": "🙂" * 38 + " x"}).status_code == 200


def test_body_larger_than_any_valid_request_is_413_before_parsing(analyzer):
    settings = Settings(max_chars=10, max_batch=1)
    with TestClient(create_app(settings, analyzer=analyzer)) as small:
        response = post_raw(small, "/v1/analyze", b" " * (settings.max_body_bytes + 1))
        assert response.status_code == 413
        assert response.json()["code"] == "body_too_large"


def test_unknown_paths_and_methods_are_json_errors(client):
    assert client.get("/v1/nothing").status_code == 404
    response = client.get("/v1/analyze")
    assert response.status_code == 405
    assert response.json()["code"] == "method_not_allowed"


# ------------------------------------------------------------------------------- batch

def test_batch_answers_in_order_with_errors_per_document(client, analyzer):
    documents = [
        {"id": "a", "text": TEXT},
        {"id": "b", "text": "   "},
        {"id": "c", "text": "x" * 5001},
        {"text": "A second, calmer text. It has two sentences."},
    ]
    response = client.post("/v1/analyze/batch", json={"documents": documents})
    assert response.status_code == 200, response.text
    results = response.json()["results"]
    assert [r["index"] for r in results] == [0, 1, 2, 3]
    assert [r["id"] for r in results] == ["a", "b", "c", None]
    assert [r["status"] for r in results] == [200, 422, 413, 200]
    assert results[1]["error"]["code"] == "empty_text" and results[1]["analysis"] is None
    assert results[2]["error"]["code"] == "text_too_long"
    assert "documents.2.text" in results[2]["error"]["message"]
    # The field at fault on its own too, as a refused request's `errors[].field` names it.
    for result in results[1:3]:
        field = f"documents.{result['index']}.text"
        assert result["error"]["field"] == field and result["error"]["message"].startswith(f"{field}: ")
    for result, document in ((results[0], documents[0]), (results[3], documents[3])):
        assert result["error"] is None
        check_analysis(result["analysis"], document["text"])
        assert result["analysis"] == analyzer.analyze(document["text"], document.get("id")).model_dump(mode="json")


class FailsOnBoom(Analyzer):
    """The real model, except that scoring any text holding "BOOM" raises, alone or in a batch."""

    def __init__(self, inner: Analyzer) -> None:
        super().__init__(inner.scorer, inner.thresholds, inner.info, inner.directory)

    def analyze_many(self, texts, ids=None, sensitivity="precise"):
        if any("BOOM" in text for text in texts):
            raise RuntimeError("scorer failure")
        return super().analyze_many(texts, ids, sensitivity)


def test_a_document_that_breaks_the_scorer_fails_alone_with_500(analyzer):
    documents = [{"id": "a", "text": TEXT}, {"id": "b", "text": "BOOM goes the scorer."},
                 {"id": "c", "text": "A second, calmer text."}]
    with TestClient(create_app(Settings(max_chars=5000, max_batch=4), analyzer=FailsOnBoom(analyzer))) as client:
        response = client.post("/v1/analyze/batch", json={"documents": documents})
    assert response.status_code == 200, response.text
    results = response.json()["results"]
    assert [r["status"] for r in results] == [200, 500, 200]
    assert results[1]["error"]["code"] == "internal_error" and results[1]["analysis"] is None
    assert results[1]["error"]["field"] == "documents.1"  # no one field at fault: the document
    assert results[0]["analysis"] == analyzer.analyze(TEXT, "a").model_dump(mode="json")


class EmptyOnVoid(Analyzer):
    """The real model, except that it finds nothing to analyse in any text holding "VOID"."""

    def __init__(self, inner: Analyzer) -> None:
        super().__init__(inner.scorer, inner.thresholds, inner.info, inner.directory)

    def analyze_many(self, texts, ids=None, sensitivity="precise"):
        if any("VOID" in text for text in texts):
            raise EmptyTextError("nothing left to analyse", "no_words")
        return super().analyze_many(texts, ids, sensitivity)


def test_a_document_the_model_finds_empty_names_its_text_field(analyzer):
    documents = [{"text": TEXT}, {"text": "VOID words the schema accepts."}]
    with TestClient(create_app(Settings(max_chars=5000, max_batch=4), analyzer=EmptyOnVoid(analyzer))) as client:
        response = client.post("/v1/analyze/batch", json={"documents": documents})
        schema = client.get("/openapi.json").json()["components"]["schemas"]["ErrorDetail"]
    assert response.status_code == 200, response.text
    assert response.json()["results"][1]["status"] == 422
    assert response.json()["results"][1]["error"] == {
        "code": "no_words", "field": "documents.1.text", "message": "documents.1.text: nothing left to analyse"}
    assert "field" in schema["properties"] and "field" in schema["required"]


def test_batch_applies_options_to_every_document(client, analyzer):
    texts = [TEXT, "Another text about budgets and taxes."]
    options = {"techniques": ["Loaded_Language"], "min_score": 0.5, "sentences": False}
    response = client.post("/v1/analyze/batch",
                           json={"documents": [{"text": t} for t in texts], "options": options})
    for result, text in zip(response.json()["results"], texts, strict=True):
        expected = filter_analysis(analyzer.analyze(text), ["Loaded_Language"], 0.5, sentences=False)
        assert result["analysis"] == expected.model_dump(mode="json")


def test_batch_over_the_document_limit_is_413(client):
    response = client.post("/v1/analyze/batch", json={"documents": [{"text": "a b"}] * 5})
    assert response.status_code == 413
    assert response.json()["code"] == "batch_too_large"


def test_the_per_request_limits_name_the_field_in_errors_wherever_they_refuse(analyzer, monkeypatch):
    # As every other refusal does: `documents` of a batch, `text` of one analysis. The request guard,
    # counting a large batch body before FastAPI parses it, answers word for word as the endpoint.
    def refusal(code: str, field: str, message: str) -> dict:
        return {"detail": f"{field}: {message}", "code": code,
                "errors": [{"field": field, "message": message, "type": code}]}

    settings = Settings(max_chars=30_000, max_batch=8, max_request_chars=20_000)  # one text may pass
    many = json.dumps({"documents": [{"text": "x"}] * 10_000}).encode()
    long = json.dumps({"documents": [{"text": "word " * 2000}] * 7}).encode()
    limit = settings.body_limit("/v1/analyze/batch")
    assert middleware.PRECOUNT_BYTES < len(many) < limit and middleware.PRECOUNT_BYTES < len(long) < limit
    expected = [(many, refusal("batch_too_large", "documents", "10000 documents; the limit is 8 (FRAMING_MAX_BATCH)")),
                (long, refusal("request_too_large", "documents", "70,000 characters in all; the limit per request "
                                                                 "is 20,000 (FRAMING_MAX_REQUEST_CHARS)"))]
    with TestClient(create_app(settings, analyzer=analyzer)) as client:
        for body, answer in expected:
            guarded = post_raw(client, "/v1/analyze/batch", body)
            assert (guarded.status_code, guarded.json()) == (413, answer)
        monkeypatch.setattr(middleware, "PRECOUNT_BYTES", 10 * limit)  # now the endpoint counts them
        for body, answer in expected:
            parsed = post_raw(client, "/v1/analyze/batch", body)
            assert (parsed.status_code, parsed.json()) == (413, answer)
        single = client.post("/v1/analyze", json={"text": "word " * 4001})
        assert (single.status_code, single.json()) == (413, refusal(
            "request_too_large", "text", "20,005 characters in all; the limit per request is 20,000 "
                                         "(FRAMING_MAX_REQUEST_CHARS)"))


def test_batch_schema_errors_name_the_document(client):
    response = client.post("/v1/analyze/batch", json={"documents": [{"text": "ok"}, {"txt": "no"}]})
    assert response.status_code == 422
    assert "documents.1.text" in response.json()["detail"]
    assert client.post("/v1/analyze/batch", json={"documents": []}).status_code == 422


def test_batch_of_only_bad_documents_needs_no_model(client):
    response = client.post("/v1/analyze/batch", json={"documents": [{"text": ""}]})
    assert response.status_code == 200
    assert response.json()["results"][0]["status"] == 422


# ------------------------------------------------------------------------------- reference

def test_labels_lists_the_taxonomy_with_categories_and_definitions(client):
    body = client.get("/v1/labels").json()
    assert [t["name"] for t in body["techniques"]] == [label.name for label in TECHNIQUE_LABELS]
    assert [f["name"] for f in body["frames"]] == [label.name for label in FRAME_LABELS]
    assert len(body["techniques"]) == 23 and len(body["frames"]) == 14
    assert len(body["technique_categories"]) == 6
    for item in body["techniques"]:
        assert item["category"] in body["technique_categories"]
    for item in body["techniques"] + body["frames"]:
        assert item["definition"].strip().endswith(".")


def test_model_describes_the_served_model(client, analyzer):
    body = client.get("/v1/model").json()
    assert body["name"] == analyzer.info.name
    assert body["version"] == analyzer.info.version
    assert body["operating_points"] == list(analyzer.operating_points)
    assert isinstance(body["validation_metrics"], dict)
    metrics = analyzer.metrics
    for key, value in body["validation_metrics"].items():
        assert metrics[key] == value


def test_health_and_readiness(client, analyzer):
    assert client.get("/healthz").json() == {"status": "ok"}
    ready = client.get("/readyz")
    assert ready.status_code == 200
    assert ready.json()["model"] == analyzer.info.model_dump()


def test_not_ready_without_a_model():
    app = create_app(Settings())
    bare = TestClient(app)  # no context manager: the lifespan (model load) does not run
    assert bare.get("/healthz").status_code == 200
    assert bare.get("/readyz").status_code == 503
    response = bare.post("/v1/analyze", json={"text": "Hello."})
    assert response.status_code == 503
    assert "Retry-After" in response.headers


@pytest.mark.parametrize("page", ["/docs", "/redoc"])
def test_docs_pages_load_their_scripts_from_the_service_not_a_cdn(client, page):
    import re

    html = client.get(page)
    assert html.status_code == 200 and "text/html" in html.headers["content-type"]
    assets = re.findall(r'(?:src|href)="([^"]+\.(?:js|css))"', html.text)
    assert assets, html.text
    for asset in assets:
        assert asset.startswith("/"), f"{page} loads {asset} from outside the service"
        response = client.get(asset)
        assert response.status_code == 200 and len(response.content) > 1000, asset


def test_openapi_documents_the_endpoints_with_examples(client):
    schema = client.get("/openapi.json").json()
    for path in ("/v1/analyze", "/v1/analyze/batch", "/v1/labels", "/v1/model", "/healthz", "/readyz"):
        assert path in schema["paths"]
    analyze = schema["paths"]["/v1/analyze"]["post"]
    assert analyze["requestBody"]["content"]["application/json"]["examples"]
    assert {"400", "408", "413", "415", "422", "503", "504"} <= set(analyze["responses"])
    example = analyze["responses"]["200"]["content"]["application/json"]["example"]
    example_text = schema["components"]["schemas"]["AnalyzeRequest"]["examples"][0]["text"]
    for sp in Analysis.model_validate(example).spans:
        assert example_text[sp.start : sp.end] == sp.text


# ------------------------------------------------------------------------------- metrics

def metric(text: str, series: str, **labels: str) -> float:
    wanted = ",".join(f'{key}="{value}"' for key, value in sorted(labels.items()))
    for line in text.splitlines():
        match = re.match(r"^(\w+)(?:\{(.*)\})? (\S+)$", line)
        if match and match.group(1) == series:
            got = ",".join(sorted((match.group(2) or "").split(","))) if match.group(2) else ""
            if got == wanted:
                return float(match.group(3))
    return 0.0


def test_metrics_count_requests_documents_and_characters(analyzer):
    with TestClient(create_app(Settings(), analyzer=analyzer)) as fresh:
        fresh.post("/v1/analyze", json={"text": "Hello there."})
        fresh.post("/v1/analyze", json={"text": "Hi."})
        fresh.post("/v1/analyze/batch", json={"documents": [{"text": "One."}, {"text": ""}, {"text": "Two!"}]})
        post_raw(fresh, "/v1/analyze", b"{}", "text/plain")
        response = fresh.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    text = response.text
    assert metric(text, "framing_http_requests_total", endpoint="/v1/analyze", method="POST", status="200") == 2
    assert metric(text, "framing_http_requests_total", endpoint="/v1/analyze", method="POST", status="415") == 1
    assert metric(text, "framing_http_requests_total", endpoint="/v1/analyze/batch", method="POST",
                  status="200") == 1
    assert metric(text, "framing_http_request_duration_seconds_count", endpoint="/v1/analyze", method="POST",
                  status="200") == 2
    assert metric(text, "framing_documents_analysed_total", endpoint="/v1/analyze") == 2
    assert metric(text, "framing_documents_analysed_total", endpoint="/v1/analyze/batch") == 2
    assert metric(text, "framing_characters_analysed_total", endpoint="/v1/analyze") == len("Hello there.Hi.")
    assert metric(text, "framing_inference_seconds_count", endpoint="/v1/analyze") == 2
    assert metric(text, "framing_model_info", name=analyzer.info.name, version=analyzer.info.version) == 1


# ------------------------------------------------------------------------------- load and reload



async def _wait_until(predicate, timeout=20.0):
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not predicate():
        assert loop.time() < deadline, "condition not reached"
        await asyncio.sleep(0.01)


def test_full_queue_answers_503_with_retry_after(analyzer):
    gated = GatedAnalyzer(analyzer)
    app = create_app(Settings(workers=1, queue_size=1, retry_after=3), analyzer=gated)
    pool = InferencePool(workers=1, queue_size=1, retry_after=3, metrics=ServiceMetrics())
    app.dependency_overrides[get_pool] = lambda: pool

    async def scenario():
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as http:
            first = asyncio.create_task(http.post("/v1/analyze", json={"text": "First text."}))
            second = asyncio.create_task(http.post("/v1/analyze", json={"text": "Second text."}))
            await _wait_until(lambda: pool.pending == 2)  # one running, one waiting
            rejected = await http.post("/v1/analyze", json={"text": "Third text."})
            gated.gate.set()
            return rejected, await first, await second

    try:
        rejected, first, second = asyncio.run(scenario())
    finally:
        gated.gate.set()
        pool.shutdown()
    assert rejected.status_code == 503
    assert rejected.headers["Retry-After"] == "3"
    assert rejected.json()["code"] == "overloaded"
    assert first.status_code == 200 and second.status_code == 200
    assert pool.pending == 0


def test_model_can_be_replaced_while_a_request_is_in_flight(analyzer):
    old = GatedAnalyzer(analyzer, ModelInfo(name="framing", version="old"))
    new = Analyzer(analyzer.scorer, analyzer.thresholds, ModelInfo(name="framing", version="new"),
                   analyzer.directory)
    app = create_app(Settings(workers=2), analyzer=old)
    state = ModelState()
    state.replace(old)
    app.dependency_overrides[get_model_state] = lambda: state
    pool = InferencePool(workers=2, queue_size=16, retry_after=1, metrics=ServiceMetrics())
    app.dependency_overrides[get_pool] = lambda: pool

    async def scenario():
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as http:
            in_flight = asyncio.create_task(http.post("/v1/analyze", json={"text": "Before the swap."}))
            await asyncio.to_thread(old.entered.acquire)
            previous = state.replace(new)
            after = await http.post("/v1/analyze", json={"text": "After the swap."})
            ready = await http.get("/readyz")
            old.gate.set()
            return previous, await in_flight, after, ready

    try:
        previous, before, after, ready = asyncio.run(scenario())
    finally:
        old.gate.set()
        pool.shutdown()
    assert previous is old
    assert before.status_code == 200 and before.json()["model"]["version"] == "old"
    assert after.status_code == 200 and after.json()["model"]["version"] == "new"
    assert ready.json()["model"]["version"] == "new"
    assert state.generation == 2


# ------------------------------------------------------------------------------- page and config

def test_web_page_and_assets_are_served_without_outside_urls(client):
    page = client.get("/")
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert "default-src 'self'" in page.headers["content-security-policy"]
    for asset in ("/static/app.js", "/static/style.css"):
        assert client.get(asset).status_code == 200
    for body in (page.text, client.get("/static/app.js").text, client.get("/static/style.css").text):
        assert "http://" not in body and "https://" not in body and "//cdn" not in body


def test_uptime_probes_may_ask_with_head(client):
    for path in ("/", "/healthz"):
        response = client.head(path)
        assert response.status_code == 200 and response.content == b"", path
    assert "default-src 'self'" in client.head("/").headers["content-security-policy"]


def test_settings_come_from_the_environment_with_overrides():
    env = {"FRAMING_HOST": "0.0.0.0", "FRAMING_PORT": "9001", "FRAMING_MAX_CHARS": "500",
           "FRAMING_MAX_BATCH": "8", "FRAMING_WORKERS": "2", "FRAMING_QUEUE_SIZE": "4",
           "FRAMING_THREADS": "1", "FRAMING_MODEL_DIR": "/models/x"}
    settings = Settings.from_env(env, port=9002)
    assert (settings.host, settings.port, settings.max_chars, settings.max_batch) == ("0.0.0.0", 9002, 500, 8)
    assert (settings.workers, settings.queue_size, settings.threads) == (2, 4, 1)
    assert str(settings.model_dir) == "/models/x"
    defaults = Settings.from_env({})
    assert (defaults.host, defaults.port, defaults.max_chars, defaults.max_batch) == ("127.0.0.1", 8000,
                                                                                        100_000, 32)
    assert defaults.model_dir is None
    with pytest.raises(SettingsError, match="FRAMING_PORT"):
        Settings.from_env({"FRAMING_PORT": "eighty"})
    with pytest.raises(SettingsError, match="FRAMING_WORKERS"):
        Settings.from_env({"FRAMING_WORKERS": "0"})


def test_serve_command_is_registered():
    from framing.service.cli import build_parser

    args = build_parser().parse_args(["serve", "--port", "0", "--workers", "2"])
    assert args.command == "serve" and args.port == 0 and args.workers == 2


@pytest.mark.parametrize("bad_id", ["", "tab\there", " padded", "line\nbreak"])
def test_ids_follow_the_rule_batch_and_training_apply(client, bad_id):
    """An id the batch job or a SemEval file could not carry is refused by the API as well."""
    from framing.model.inputs import InputError, check_document_id

    with pytest.raises(InputError):
        check_document_id(bad_id)
    for path, body in (("/v1/analyze", {"text": "Some text.", "id": bad_id}),
                       ("/v1/analyze/batch", {"documents": [{"text": "Some text.", "id": bad_id}]})):
        response = client.post(path, json=body)
        assert response.status_code == 422, response.text
        assert response.json()["errors"][0]["field"].endswith("id")
