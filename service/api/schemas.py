"""Request and response bodies of the HTTP API, with the examples the OpenAPI schema shows.

The successful answer of `/v1/analyze` is `model.schema.Analysis` itself: the one output shape.
Requests are strict: unknown fields are refused (422 naming the field) rather than ignored, so a
misspelt option never silently does nothing.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, StringConstraints, field_validator

from framing.model.filtering import check_techniques
from framing.model.inputs import check_document_id
from framing.model.schema import Analysis, ModelInfo
from framing.model.taxonomy import TECHNIQUES

MAX_ID_LENGTH = 512

# What the API accepts, said in the schema too (JSON Schema patterns, ECMA-262 syntax), so a client
# generated from it sends nothing the API then refuses. Text: at least one letter or digit
# (`model.inputs.check_text`: a text of spaces, emoji or punctuation alone has no word to analyse);
# ids: no control character, no space at either end (`model.inputs.check_document_id`).
TEXT_SCHEMA: dict[str, Any] = {"minLength": 1, "pattern": r"[\p{L}\p{N}]"}
_ID_CHAR = r"[^\u0000-\u001f\u007f]"
_ID_EDGE = r"[^\s\u0000-\u001f\u007f]"
ID_PATTERN = rf"^{_ID_EDGE}(?:{_ID_CHAR}*{_ID_EDGE})?$"
ID_SCHEMA: dict[str, Any] = {"minLength": 1, "pattern": ID_PATTERN}

EXAMPLE_TEXT = (
    "The reckless regime keeps lying to its own people, and only a fool would still believe a word "
    "it says. Our brave soldiers will never abandon the homeland.\n"
    "Officials said the budget would be published next week."
)

_EXAMPLE_SENTENCES = ((0, 102), (103, 154), (155, 210))


def _example_span(phrase: str, label: str, score: float) -> dict[str, Any]:
    start = EXAMPLE_TEXT.index(phrase)
    sentence = next(i for i, (a, b) in enumerate(_EXAMPLE_SENTENCES) if a <= start < b)
    return {"start": start, "end": start + len(phrase), "text": phrase, "label": label, "score": score,
            "sentence": sentence}


EXAMPLE_ANALYSIS: dict[str, Any] = {
    "id": "note-17",
    "model": {"name": "framing-minilm", "version": "1.2.0"},
    "frames": [{"label": "Security_and_defense", "score": 0.81}, {"label": "Political", "score": 0.62}],
    "techniques": [
        {"label": "Loaded_Language", "score": 0.88},
        {"label": "Name_Calling-Labeling", "score": 0.79},
        {"label": "Flag_Waving", "score": 0.71},
    ],
    "sentences": [
        {"index": 0, "start": 0, "end": 102,
         "techniques": [{"label": "Loaded_Language", "score": 0.88},
                        {"label": "Name_Calling-Labeling", "score": 0.79}],
         "frames": [{"label": "Political", "score": 0.62}]},
        {"index": 1, "start": 103, "end": 154,
         "techniques": [{"label": "Flag_Waving", "score": 0.71}],
         "frames": [{"label": "Security_and_defense", "score": 0.81}]},
        {"index": 2, "start": 155, "end": 210, "techniques": [], "frames": []},
    ],
    "spans": [
        _example_span("reckless regime", "Name_Calling-Labeling", 0.79),
        _example_span("reckless", "Loaded_Language", 0.88),
        _example_span("brave soldiers", "Flag_Waving", 0.71),
    ],
    "warnings": [],
    "operating_point": "precise",
}


def _valid_id(value: str | None) -> str | None:
    """The document-id rule batch jobs and training data follow too (`model.inputs.check_document_id`):
    an id ends up in SemEval files and file names, so no blank, no control characters, no edge spaces."""
    return None if value is None else check_document_id(value, max_length=MAX_ID_LENGTH)


def _integer_id(value: Any) -> Any:
    """An integer id becomes its decimal string, as in batch input files (annotation tools and
    spreadsheets number their documents); a bool or a float is refused with batch's message."""
    if value is None or isinstance(value, str):
        return value
    return check_document_id(value, max_length=MAX_ID_LENGTH)


_ID_STRING = Annotated[str, StringConstraints(max_length=MAX_ID_LENGTH)]
# What a document id may be sent as, for the schema: the answer always holds it as a string.
ID_INPUT = _ID_STRING | int | None
ID_DESCRIPTION = "A string, or an integer (echoed as its decimal string, as batch input files treat it)."


def _no_lone_surrogates(value: str | None) -> str | None:
    """JSON can carry "\\ud800"; an id holding one could not be written back out."""
    if value is not None:
        try:
            value.encode("utf-8")
        except UnicodeEncodeError as error:
            raise ValueError(f"unpaired UTF-16 surrogate at position {error.start}") from None
    return value


# A request's document id, optional: a string of at most MAX_ID_LENGTH characters, or an integer taken
# as its decimal string (`_integer_id`); the schema lists both forms and the string's pattern. Each
# model names the rule the string is then checked against.
_RequestId = Annotated[_ID_STRING | None, BeforeValidator(_integer_id, json_schema_input_type=ID_INPUT),
                       Field(json_schema_extra=ID_SCHEMA)]
# The id of a document to analyse: the rule batch jobs and training data follow (`_valid_id`).
DocumentId = Annotated[_RequestId, AfterValidator(_valid_id)]
# The id of an annotation: the feedback store applies the document-id rule itself and answers 422
# invalid_annotation, so the schema only refuses what could not be written back out.
AnnotationId = Annotated[_RequestId, AfterValidator(_no_lone_surrogates)]


class AnalyzeOptions(BaseModel):
    """Narrow what comes back. Filters apply to every list of the Analysis in the same way."""

    model_config = ConfigDict(extra="forbid")

    techniques: list[str] | None = Field(
        None, max_length=len(TECHNIQUES) * 4,
        description="Keep only these techniques (names as in GET /v1/labels), in the article list, "
                    "each sentence's list and the spans. Omit to keep all.",
        examples=[["Loaded_Language", "Name_Calling-Labeling"]],
    )
    min_score: float | None = Field(
        None, ge=0.0, le=1.0, allow_inf_nan=False, strict=True,
        description="Drop every technique, frame and span scoring below this (a number, not a string or "
                    "a boolean). Scores read 0.5 at each label's precise threshold, so 0.5 keeps what the "
                    "precise point asserts, at either sensitivity.", examples=[0.5],
    )
    sentences: bool = Field(True, strict=True, description="Include the per-sentence breakdown (true or false; "
                                                           "not 0 or 1).")
    sensitivity: Literal["precise", "sensitive"] = Field(
        "precise",
        description="The operating point: `precise` (thresholds fitted for F1: fewer, surer highlights) or "
                    "`sensitive` (thresholds fitted for recall of at least 0.7 per technique where the "
                    "calibration data allow: more highlights, more false alarms). A model calibrated "
                    "without sensitive thresholds answers 422 `operating_point_unavailable` to "
                    "`sensitive`. The Analysis names the point in `operating_point`.",
        examples=["sensitive"],
    )

    @field_validator("techniques")
    @classmethod
    def _known_techniques(cls, value: list[str] | None) -> list[str] | None:
        if value is not None:
            try:
                check_techniques(value)
            except ValueError as error:
                # The message names the unknown techniques as sent; one holding a lone surrogate
                # ("\ud800") could not be encoded into the answer, so it is escaped here.
                raise ValueError(str(error).encode("utf-8", "backslashreplace").decode("utf-8")) from None
        return value


class AnalyzeRequest(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"text": EXAMPLE_TEXT, "id": "note-17",
                                         "options": {"min_score": 0.5, "sensitivity": "precise"}}]},
    )

    text: str = Field(description="The text to analyse, as is. Offsets in the answer index into it "
                                  "(Unicode code points). Blank: 422. Longer than the configured limit: 413.",
                      json_schema_extra=TEXT_SCHEMA)
    id: DocumentId = Field(None, description=f"Echoed back in the Analysis. {ID_DESCRIPTION}")
    options: AnalyzeOptions | None = None


class BatchDocument(BaseModel):
    model_config = ConfigDict(extra="forbid")

    text: str = Field(json_schema_extra=TEXT_SCHEMA)
    id: DocumentId = Field(None, description=ID_DESCRIPTION)


class BatchRequest(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{
            "documents": [{"id": "a", "text": EXAMPLE_TEXT}, {"id": "b", "text": "Short and calm."}],
            "options": {"techniques": ["Loaded_Language"]},
        }]},
    )

    documents: list[BatchDocument] = Field(
        min_length=1, description="One Analysis comes back per document, in this order. More than the "
                                  "configured maximum (default 32): 413.")
    options: AnalyzeOptions | None = Field(None, description="Applied to every document.")


class ErrorDetail(BaseModel):
    code: str = Field(description="Stable machine-readable reason, e.g. text_too_long, empty_text.")
    field: str = Field(description="Dotted path of the field at fault, e.g. documents.3.text (as `errors[].field` "
                                   "of a refused request); the document's own path, e.g. documents.3, when "
                                   "no one field is (internal_error).", examples=["documents.3.text"])
    message: str = Field(description="What is wrong; a refused text's message starts with its field.")


class BatchResult(BaseModel):
    index: int = Field(description="Position of the document in the request.")
    id: str | None = None
    status: int = Field(description="200, or the status this document alone would have got (413, 422).")
    analysis: Analysis | None = None
    error: ErrorDetail | None = None


class BatchResponse(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{"results": [
        {"index": 0, "id": "a", "status": 200, "analysis": EXAMPLE_ANALYSIS},
        {"index": 1, "id": "b", "status": 422,
         "error": {"code": "empty_text", "field": "documents.1.text", "message": "documents.1.text: text is empty"}},
    ]}]})

    results: list[BatchResult]


class FieldError(BaseModel):
    field: str = Field(description="Dotted path of the offending field, e.g. options.min_score.")
    message: str
    type: str


class ErrorResponse(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{
        "detail": "options.min_score: Input should be less than or equal to 1",
        "code": "invalid_request",
        "errors": [{"field": "options.min_score", "message": "Input should be less than or equal to 1",
                    "type": "less_than_equal"}],
    }]})

    detail: str = Field(description="Human-readable summary naming the field(s) at fault.")
    code: str
    errors: list[FieldError] = Field(default_factory=list)


class LabelInfo(BaseModel):
    name: str
    category: str
    definition: str


class LabelsResponse(BaseModel):
    technique_categories: list[str] = Field(description="The six technique groups, in taxonomy order.")
    techniques: list[LabelInfo]
    frames: list[LabelInfo]


class ModelResponse(BaseModel):
    model_config = ConfigDict(protected_namespaces=(), json_schema_extra={"examples": [{
        "name": "framing-minilm", "version": "1.2.0", "encoder": "sentence-transformers/all-MiniLM-L6-v2",
        "training_data": {"corpus": "SemEval-2023 task 3 (English)", "articles": 371},
        "validation_metrics": {"paragraph": {"micro_f1": 0.41}, "frames": {"micro_f1": 0.55}},
        "model_card": "# framing-minilm 1.2.0\n...",
    }]})

    name: str
    version: str
    encoder: str | None = None
    operating_points: list[str] = Field(
        default_factory=lambda: ["precise"],
        description="The values `options.sensitivity` may take with this model (`sensitive` only when it was "
                    "calibrated for it).")
    training_data: Any = Field(None, description="What the model was trained on (from its metrics).")
    validation_metrics: dict[str, Any] = Field(
        default_factory=dict, description="Held-out metrics recorded at training time (empty if none).")
    model_card: str | None = Field(None, description="The model directory's MODEL_CARD.md, if it has one.")
    loaded_at: str | None = Field(None, description="When this model was loaded (ISO 8601, UTC).")
    reloads: int = Field(0, description="Successful reloads since the service started.")


class HealthResponse(BaseModel):
    status: str = "ok"


class ReadyResponse(BaseModel):
    status: str = Field(examples=["ready"], description="`ready`, `degraded` (annotations cannot be stored) "
                                                        "or `loading` (503).")
    model: ModelInfo | None = None
    feedback: str | None = Field(None, description="Why annotations cannot be stored; null when they can.")


# --------------------------------------------------------------------------- admin and feedback

MAX_ANNOTATION_SPANS = 10_000
MAX_VERSION_LENGTH = 200


class ReloadResponse(BaseModel):
    model_config = ConfigDict(protected_namespaces=(), json_schema_extra={"examples": [{
        "status": "reloaded", "model": {"name": "framing-minilm", "version": "v3"},
        "previous": {"name": "framing-minilm", "version": "v2"}, "reloads": 1, "seconds": 2.4,
    }]})

    status: str = Field(description="`reloaded`.")
    model: ModelInfo = Field(description="The model served from now on.")
    previous: ModelInfo = Field(description="The model it replaced (requests already running finish on it).")
    reloads: int = Field(description="Successful reloads since the service started.")
    seconds: float = Field(description="Time taken to load and check the new model.")


class AnnotationSpan(BaseModel):
    model_config = ConfigDict(extra="forbid")

    start: int = Field(strict=True, description="First character (code point index into `text`).")
    end: int = Field(strict=True, description="One past the last character.")
    label: str = Field(description="One of the 23 technique names (GET /v1/labels).")
    text: str | None = Field(None, description="Optional: `text[start:end]`, checked when given.")


EXAMPLE_ANNOTATION_TEXT = "Only a fool would trust this reckless regime."


def _example_annotation_span(phrase: str, label: str) -> dict[str, Any]:
    start = EXAMPLE_ANNOTATION_TEXT.index(phrase)
    return {"start": start, "end": start + len(phrase), "label": label}


class AnnotationRequest(BaseModel):
    model_config = ConfigDict(
        extra="forbid", protected_namespaces=(),
        json_schema_extra={"examples": [{
            "id": "note-17-fix",
            "text": EXAMPLE_ANNOTATION_TEXT,
            "spans": [_example_annotation_span("a fool", "Name_Calling-Labeling"),
                      {**_example_annotation_span("reckless", "Loaded_Language"), "text": "reckless"}],
            "frames": ["Political"],
        }]},
    )

    text: str = Field(description="The annotated text, as is; offsets index into it (Unicode code points).",
                      json_schema_extra=TEXT_SCHEMA)
    spans: list[AnnotationSpan] = Field(
        default_factory=list, max_length=MAX_ANNOTATION_SPANS,
        description="Every technique span in the text (an empty list says: none).")
    frames: list[str] | None = Field(
        None, max_length=64,
        description="The text's frames (names as in GET /v1/labels); omit or null when frames were not "
                    "annotated.")
    id: AnnotationId = Field(None, description="Your id for this correction; a new one is made when omitted. "
                                               "Sending the same correction under the same id again is "
                                               "harmless; different content under a stored id is refused "
                                               f"(409). {ID_DESCRIPTION}")
    model_version: str | None = Field(
        None, max_length=MAX_VERSION_LENGTH,
        description="The model version whose output this corrects; defaults to the version being served.",
        json_schema_extra={"minLength": 1})

    _check_version = field_validator("model_version")(_no_lone_surrogates)


class AnnotationStats(BaseModel):
    stored: int = Field(description="Corrections in the feedback database; `framing annotations export` writes "
                                    "them all as JSONL for `framing train --data`.")


class AnnotationResponse(BaseModel):
    model_config = ConfigDict(protected_namespaces=(), json_schema_extra={"examples": [{
        "id": "note-17-fix", "status": "stored", "model_version": "v3",
    }]})

    id: str = Field(description="The id the correction is stored under.")
    status: str = Field(description="`stored` (201), or `unchanged` (200) when this id already held exactly "
                                    "this correction.")
    model_version: str | None = None
