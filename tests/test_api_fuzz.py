"""Fuzzing the API: whatever arrives, the answer is a deliberate status, never a 500.

Bodies are generated from the request schema (valid and nearly valid documents, wrong types,
extra fields, lone surrogates, NaN) and as raw bytes under assorted content types.
"""

from __future__ import annotations

import json

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from framing.model.schema import Analysis
from framing.model.taxonomy import TECHNIQUES
from framing.service.api.app import create_app
from framing.service.settings import Settings

MAX_CHARS = 300
EXPECTED = {200, 413, 415, 422}
FUZZ = settings(max_examples=60, deadline=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])

# Any code point, lone surrogates included (JSON can carry them as \ud800 escapes).
any_char = st.characters(exclude_categories=())
texts = st.one_of(
    st.text(st.characters(), max_size=60),  # any code point but lone surrogates
    st.text(any_char, max_size=20),
    st.text(st.sampled_from("ab .!?\n\t—🙂é"), max_size=80),
    st.sampled_from(["", " ", "\n\n", "x" * (MAX_CHARS + 1), "Mr. A. went. On!", "\u0000\u200b"]),
)
json_scalars = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=True), texts)
json_values = st.recursive(json_scalars, lambda inner: st.one_of(
    st.lists(inner, max_size=3), st.dictionaries(st.text(any_char, max_size=8), inner, max_size=3)),
    max_leaves=6)
technique_lists = st.lists(st.one_of(st.sampled_from(TECHNIQUES), st.text(any_char, max_size=12)), max_size=4)
options = st.one_of(
    st.none(),
    json_values,
    st.fixed_dictionaries({}, optional={
        "techniques": st.one_of(technique_lists, json_values),
        "min_score": st.one_of(st.floats(allow_nan=True, allow_infinity=True), json_values),
        "sentences": st.one_of(st.booleans(), json_values),
        "extra": json_values,
    }),
)
valid_options = st.fixed_dictionaries({}, optional={
    "techniques": st.lists(st.sampled_from(TECHNIQUES), max_size=4, unique=True),
    "min_score": st.floats(0, 1),
    "sentences": st.booleans(),
})
# Schema-valid documents with arbitrary text: they reach the model, where odd text must not hurt.
valid_documents = st.fixed_dictionaries(
    {"text": texts}, optional={"id": st.one_of(st.none(), st.text(max_size=20)), "options": valid_options})
broken_documents = st.fixed_dictionaries(
    {}, optional={"text": st.one_of(texts, json_values), "id": st.one_of(st.none(), texts, json_values),
                  "options": options, "unexpected": json_values})
documents = st.one_of(valid_documents, broken_documents)
valid_batches = st.fixed_dictionaries(
    {"documents": st.lists(st.fixed_dictionaries({"text": texts}, optional={"id": st.text(max_size=10)}),
                           min_size=1, max_size=4)},
    optional={"options": valid_options})
batches = st.one_of(
    valid_batches,
    json_values,
    st.fixed_dictionaries({}, optional={
        "documents": st.one_of(st.lists(st.one_of(valid_documents, broken_documents), max_size=5), json_values),
        "options": options,
    }),
)
content_types = st.sampled_from([
    "application/json", "application/json; charset=utf-8", "application/problem+json", "text/plain",
    "application/json; charset=latin-1", "", "multipart/form-data", "application/x-www-form-urlencoded",
])


@pytest.fixture(scope="module")
def client(analyzer):
    app = create_app(Settings(max_chars=MAX_CHARS, max_batch=3), analyzer=analyzer)
    with TestClient(app, raise_server_exceptions=False) as test_client:
        yield test_client


def encode(value) -> bytes:
    # ensure_ascii keeps lone surrogates as \udXXX escapes; allow_nan emits NaN/Infinity literals.
    return json.dumps(value, ensure_ascii=True, allow_nan=True).encode("ascii")


def check(response, sent: object = None) -> None:
    assert response.status_code in EXPECTED, (response.status_code, response.text[:500])
    body = response.json()
    if response.status_code != 200:
        assert isinstance(body["detail"], str) and body["detail"]
        return
    if isinstance(sent, dict) and "documents" in sent:
        for result, document in zip(body["results"], sent["documents"], strict=True):
            if result["status"] == 200:
                check_offsets(result["analysis"], document["text"])
            else:
                assert result["status"] in EXPECTED and result["error"]["message"]
    elif isinstance(sent, dict):
        check_offsets(body, sent["text"])


def check_offsets(body: dict, text: str) -> None:
    analysis = Analysis.model_validate(body)
    for sp in analysis.spans:
        assert text[sp.start : sp.end] == sp.text


@FUZZ
@given(document=documents)
def test_analyze_never_fails_on_schema_like_bodies(client, document):
    response = client.post("/v1/analyze", content=encode(document), headers={"content-type": "application/json"})
    check(response, document)


@FUZZ
@given(batch=batches)
def test_batch_never_fails_on_schema_like_bodies(client, batch):
    response = client.post("/v1/analyze/batch", content=encode(batch),
                           headers={"content-type": "application/json"})
    check(response, batch)


@FUZZ
@given(path=st.sampled_from(["/v1/analyze", "/v1/analyze/batch"]), body=st.binary(max_size=200),
       content_type=content_types)
def test_raw_bytes_never_fail(client, path, body, content_type):
    headers = {"content-type": content_type} if content_type else {}
    check(client.post(path, content=body, headers=headers))


@FUZZ
@given(path=st.text(st.sampled_from("/v1abcdefghijklmnopqrstuvwxyz.%?=&-_"), max_size=30),
       method=st.sampled_from(["GET", "POST", "PUT", "DELETE", "PATCH", "OPTIONS"]))
def test_any_path_and_method_is_a_deliberate_answer(client, path, method):
    response = client.request(method, "/" + path.lstrip("/"), content=b"{}",
                              headers={"content-type": "application/json"})
    assert response.status_code < 500, (method, path, response.status_code, response.text[:300])
