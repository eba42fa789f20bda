"""Service configuration, read from `FRAMING_*` environment variables (command-line flags override).

| variable | default | meaning |
| --- | --- | --- |
| `FRAMING_HOST` | `127.0.0.1` | interface to listen on (`0.0.0.0` to accept outside connections) |
| `FRAMING_PORT` | `8000` | TCP port |
| `FRAMING_MODEL_DIR` | the shipped model | model directory to serve, or a registry (serves its promoted version) |
| `FRAMING_MAX_CHARS` | `100000` | longest text accepted, in characters (code points); longer gets 413 |
| `FRAMING_MAX_BATCH` | `32` | most documents in one `/v1/analyze/batch` call; more gets 413 |
| `FRAMING_MAX_REQUEST_CHARS` | `200000` | most characters in one request, all texts together; more gets 413 |
| `FRAMING_REQUEST_TIMEOUT` | `60` | seconds one analysis may take, queue included; then 504 `deadline_exceeded` |
| `FRAMING_BODY_TIMEOUT` | `15` | seconds a client has to send its whole request body; then 408 `body_timeout` |
| `FRAMING_SHUTDOWN_GRACE` | `30` | seconds `framing serve` waits for requests in flight after SIGTERM |
| `FRAMING_WORKERS` | `1` | inference worker threads (each runs one request's model pass at a time) |
| `FRAMING_QUEUE_SIZE` | `16` | requests that may wait for a worker; beyond that: 503 + Retry-After |
| `FRAMING_THREADS` | torch's default | CPU threads torch uses inside one model pass |
| `FRAMING_RETRY_AFTER` | `1` | seconds suggested in the `Retry-After` header of a 503 |
| `FRAMING_LOG_LEVEL` | `info` | uvicorn log level |
| `FRAMING_ADMIN_KEY` | unset | API key of `POST /v1/admin/reload` (32 characters or more); unset disables it (403) |
| `FRAMING_ADMIN_FAILURES` | `10` | wrong admin keys accepted from one client per minute; beyond that: 429 |
| `FRAMING_ALLOWED_HOSTS` | unset | comma-separated `Host` values accepted (e.g. `framing.example.org`); others: 400 |
| `FRAMING_FEEDBACK_DB` | `framing-feedback.sqlite3` | SQLite file `POST /v1/annotations` stores corrections in |

On a CPU machine one worker with torch using all cores is usually fastest for single requests;
more workers (with `FRAMING_THREADS` = cores / workers) trade single-request latency for
throughput under concurrent load.

The admin key goes in `Authorization: Bearer KEY` or `X-API-Key: KEY`. It is read from the
environment only (no flag: a command line is visible to every user of the machine in `ps`), and
never appears in logs or in the settings' repr. A relative `FRAMING_FEEDBACK_DB` is relative to the
working directory the service was started in; the file is created on the first annotation, so a
service that never receives one writes nothing.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError, field_validator

from framing.model.errors import FramingError

ENV_PREFIX = "FRAMING_"
# Where POST /v1/annotations stores corrections unless FRAMING_FEEDBACK_DB says otherwise: a file in
# the working directory, next to wherever the service was started (not hidden in a per-user folder).
DEFAULT_FEEDBACK_DB = "framing-feedback.sqlite3"
# Settings whose values must never be echoed back in an error message.
SECRET_FIELDS = frozenset({"admin_key"})
# Shorter admin keys can be guessed online; `python -c "import secrets; print(secrets.token_urlsafe(32))"`.
MIN_ADMIN_KEY_LENGTH = 32
# Bytes allowed per JSON-escaped character and per document or option around the texts. A character
# outside the Basic Multilingual Plane (an emoji) is one character of the text and escapes to a
# surrogate pair, `\\ud83d\\ude00`: 12 bytes.
_ESCAPED_CHAR = 12
_PER_DOCUMENT = 4096
_ENVELOPE = 65536
# Largest correction body beyond its text: up to 10,000 spans of a few hundred bytes each.
_ANNOTATION_EXTRA = 10_000 * 400
LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})


class SettingsError(FramingError, ValueError):
    """An environment variable or flag holds a value the service cannot use."""


class Settings(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, protected_namespaces=())

    host: str = "127.0.0.1"
    port: int = Field(8000, ge=0, le=65535)
    model_dir: Path | None = Field(None, description="None serves the shipped model")
    max_chars: int = Field(100_000, ge=1)
    max_batch: int = Field(32, ge=1)
    workers: int = Field(1, ge=1, le=64)
    queue_size: int = Field(16, ge=0)
    threads: int | None = Field(None, ge=1)
    retry_after: int = Field(1, ge=0)
    log_level: str = "info"
    admin_key: SecretStr | None = Field(None, description="None disables the admin endpoints")
    feedback_db: Path = Field(Path(DEFAULT_FEEDBACK_DB), description="SQLite file of annotation feedback")
    max_request_chars: int = Field(200_000, ge=1)
    request_timeout: float = Field(60.0, gt=0, allow_inf_nan=False)
    body_timeout: float = Field(15.0, gt=0, allow_inf_nan=False)
    shutdown_grace: float = Field(30.0, ge=0, allow_inf_nan=False)
    admin_failures: int = Field(10, ge=1)
    allowed_hosts: str | None = Field(None, description="comma-separated Host values; None accepts any")

    @field_validator("admin_key")
    @classmethod
    def _long_enough(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and 0 < len(value.get_secret_value()) < MIN_ADMIN_KEY_LENGTH:
            raise ValueError(f"the admin key must have at least {MIN_ADMIN_KEY_LENGTH} characters "
                             "(e.g. python -c 'import secrets; print(secrets.token_urlsafe(32))')")
        return value

    @property
    def host_names(self) -> frozenset[str]:
        """The accepted `Host` names (lower case, no port); empty accepts any."""
        names = (self.allowed_hosts or "").split(",")
        return frozenset(name.strip().lower() for name in names if name.strip())

    @property
    def loopback(self) -> bool:
        return self.host in LOOPBACK_HOSTS

    @property
    def batch_chars(self) -> int:
        """Most characters a valid batch can hold: the per-request cap or every text at its limit."""
        return min(self.max_request_chars, self.max_batch * self.max_chars)

    def body_limit(self, path: str) -> int:
        """Largest body a valid request to `path` can have, every character JSON-escaped; a larger
        one is refused (413) before it is read to the end. Per endpoint, so a small endpoint never
        accepts a batch-sized body."""
        single = min(self.max_chars, self.max_request_chars) * _ESCAPED_CHAR + _PER_DOCUMENT + _ENVELOPE
        if path == "/v1/analyze/batch":
            return self.batch_chars * _ESCAPED_CHAR + self.max_batch * _PER_DOCUMENT + _ENVELOPE
        if path == "/v1/annotations":
            return single + _ANNOTATION_EXTRA
        return single

    @property
    def max_body_bytes(self) -> int:
        """The largest of the per-endpoint body limits (`body_limit`)."""
        return max(self.body_limit(path) for path in ("/v1/analyze", "/v1/analyze/batch", "/v1/annotations"))

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **overrides) -> Settings:
        """Settings from `FRAMING_*` variables; keyword overrides (not None) win over the environment."""
        environ = os.environ if environ is None else environ
        values: dict[str, object] = {}
        for name in cls.model_fields:
            raw = environ.get(ENV_PREFIX + name.upper())
            if raw is not None and raw.strip() != "":
                values[name] = raw.strip()
        values.update({key: value for key, value in overrides.items() if value is not None})
        try:
            return cls(**values)
        except ValidationError as error:
            problems = []
            for item in error.errors():
                field = str(item["loc"][0]) if item["loc"] else "?"
                source = (f"{ENV_PREFIX}{field.upper()}" if field not in overrides or overrides[field] is None
                          else f"--{field.replace('_', '-')}")
                shown = "***" if field in SECRET_FIELDS else repr(values.get(field))
                problems.append(f"{source}={shown}: {item['msg']}")
            raise SettingsError("; ".join(problems)) from None
