"""`framing serve`: the HTTP API and web page (settings from FRAMING_* variables; flags override).

`--model` (FRAMING_MODEL_DIR) may name a model registry: its promoted version is served, and after
`framing models promote VERSION` a `POST /v1/admin/reload` (with FRAMING_ADMIN_KEY) or `kill -HUP PID`
switches to the new version without dropping requests.
"""

from __future__ import annotations

import argparse
import logging
import signal
from pathlib import Path

from framing.model.errors import FramingError
from framing.service.settings import Settings


def add_parser(subparsers) -> None:
    parser = subparsers.add_parser(
        "serve", help="run the HTTP API and web page",
        description="Serve the model over HTTP: POST /v1/analyze, /v1/analyze/batch, /v1/annotations, "
                    "/v1/admin/reload, GET / (web page), /docs, /metrics. Each option defaults to its "
                    "FRAMING_* environment variable. SIGHUP reloads the model (a registry's newly "
                    "promoted version) without dropping requests.")
    parser.add_argument("--host", help="interface to listen on (FRAMING_HOST, default 127.0.0.1)")
    parser.add_argument("--port", type=int, help="TCP port (FRAMING_PORT, default 8000)")
    parser.add_argument("--model", type=Path, dest="model_dir",
                        help="model directory, or a registry to serve its promoted version "
                             "(FRAMING_MODEL_DIR, default: the shipped model)")
    parser.add_argument("--max-chars", type=int,
                        help="longest text accepted (FRAMING_MAX_CHARS, default 100000)")
    parser.add_argument("--max-batch", type=int,
                        help="most documents per batch call (FRAMING_MAX_BATCH, default 32)")
    parser.add_argument("--workers", type=int, help="inference worker threads (FRAMING_WORKERS, default 1)")
    parser.add_argument("--queue-size", type=int,
                        help="calls that may wait for a worker before 503 (FRAMING_QUEUE_SIZE, default 16)")
    parser.add_argument("--threads", type=int, help="torch CPU threads (FRAMING_THREADS, default: torch's)")
    parser.add_argument("--feedback-db", type=Path,
                        help="SQLite file POST /v1/annotations stores corrections in "
                             "(FRAMING_FEEDBACK_DB, default ./framing-feedback.sqlite3)")
    parser.add_argument("--log-level", choices=("critical", "error", "warning", "info", "debug"),
                        help="uvicorn log level (FRAMING_LOG_LEVEL, default info)")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    settings = Settings.from_env(  # a SettingsError is reported by the CLI's handler (exit status 2)
        host=args.host, port=args.port, model_dir=args.model_dir, max_chars=args.max_chars,
        max_batch=args.max_batch, workers=args.workers, queue_size=args.queue_size,
        threads=args.threads, log_level=args.log_level, feedback_db=args.feedback_db)
    from framing.service.api.app import create_app
    from framing.service.api.runtime import load_analyzer
    from framing.service.api.server import GracefulServer

    if hasattr(signal, "SIGHUP"):  # until the app installs its reload handler, SIGHUP must not kill us
        signal.signal(signal.SIGHUP, signal.SIG_IGN)
    try:
        analyzer = load_analyzer(settings.model_dir, threads=settings.threads)
    except (FramingError, OSError, ValueError) as error:  # a bad folder or registry, or unreadable files
        raise FramingError(f"cannot load the model: {error}") from error

    import uvicorn

    # The service's own messages (model served, reloads) go to stderr beside uvicorn's.
    service_log = logging.getLogger("framing")
    if not service_log.handlers:
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("%(levelname)s:     %(message)s"))
        service_log.addHandler(handler)
        service_log.setLevel(settings.log_level.upper())
        service_log.propagate = False
    if not settings.loopback and not settings.host_names:
        service_log.warning("listening on %s with any Host header accepted: set FRAMING_ALLOWED_HOSTS to the "
                            "names clients use, so a rebound DNS name cannot reach the service", settings.host)
    app = create_app(settings, analyzer=analyzer, reload_on_sighup=True)
    problem = app.state.framing.feedback.problem()
    if problem is not None:
        service_log.warning("annotations cannot be stored: %s (/readyz reports it)", problem)
    # One process: the model lives in it once; concurrency comes from the inference worker threads.
    config = uvicorn.Config(app, host=settings.host, port=settings.port, log_level=settings.log_level,
                            timeout_graceful_shutdown=int(settings.shutdown_grace))
    GracefulServer(config, app.state.framing.pool.close, settings.shutdown_grace).run()
    return 0
