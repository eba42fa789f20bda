"""Service configuration, read from `FRAMING_*` environment variables (command-line flags override).

| variable | default | meaning |
| --- | --- | --- |
| `FRAMING_HOST` | `127.0.0.1` | interface to listen on (`0.0.0.0` to accept outside connections) |
| `FRAMING_PORT` | `8000` | TCP port |
| `FRAMING_MODEL_DIR` | the shipped model | model directory to serve, or a registry (serves its promoted version) |
| `FRAMING_MAX_CHARS` | `100000` | longest text accepted, in characters (code points); longer gets 413 |
| `FRAMING_MAX_BATCH` | `32` | most documents in one `/v1/analyze/batch` call; more gets 413 |
| `FRAMING_WORKERS` | `1` | inference worker threads (each runs one request's model pass at a time) |
| `FRAMING_QUEUE_SIZE` | `16` | requests that may wait for a worker; beyond that: 503 + Retry-After |
| `FRAMING_THREADS` | torch's default | CPU threads torch uses inside one model pass |
| `FRAMING_RETRY_AFTER` | `1` | seconds suggested in the `Retry-After` header of a 503 |
| `FRAMING_LOG_LEVEL` | `info` | uvicorn log level |
| `FRAMING_ADMIN_KEY` | unset | API key of `POST /v1/admin/reload`; unset disables it (403) |
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

from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError

from framing.model.errors import FramingError

ENV_PREFIX = "FRAMING_"
# Where POST /v1/annotations stores corrections unless FRAMING_FEEDBACK_DB says otherwise: a file in
# the working directory, next to wherever the service was started (not hidden in a per-user folder).
DEFAULT_FEEDBACK_DB = "framing-feedback.sqlite3"
# Settings whose values must never be echoed back in an error message.
SECRET_FIELDS = frozenset({"admin_key"})


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

    @property
    def max_body_bytes(self) -> int:
        """Largest request body read before answering 413 without parsing it.

        Generous enough that any batch of in-limit texts fits even with every character
        JSON-escaped (`\\uXXXX`, 6 bytes); the per-text character limit is checked after parsing.
        """
        return self.max_batch * (self.max_chars * 6 + 4096) + 65536

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
