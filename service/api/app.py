"""The HTTP service's app factory.

`create_app(settings)` builds the app; the model loads once, in the lifespan, unless an already
loaded `Analyzer` is handed in (the `serve` command loads it first so a bad model directory fails
with a clear message; tests share one loaded model). Run it with `framing serve`, or with
`uvicorn --factory framing.service.api.app:create_app` (settings from `FRAMING_*` variables).

Where things live: endpoints in `routers/` (one module per resource), what they depend on in
`deps` (override with `app.dependency_overrides`), the model state, reloader and lifespan in
`runtime`, the inference pool in `pool`, annotation storage in `feedback`, the request guard in
`middleware`, the error shape and handlers in `errors`.
"""

from __future__ import annotations

from fastapi import FastAPI
from fastapi_offline import FastAPIOffline

from framing.model.analyzer import Analyzer
from framing.service.api.errors import install_error_handlers
from framing.service.api.middleware import install_middleware
from framing.service.api.routers import admin, analysis, operations, page, reference
from framing.service.api.routers import annotations as annotation_routes  # `annotations` is taken by __future__
from framing.service.api.runtime import Runtime, lifespan_for
from framing.service.settings import Settings


def create_app(settings: Settings | None = None, analyzer: Analyzer | None = None, *,
               reload_on_sighup: bool = False) -> FastAPI:
    """The service. Without `analyzer`, the model in `settings.model_dir` loads at start-up.

    `reload_on_sighup` installs a SIGHUP handler on the server's event loop while the app runs
    (`framing serve` sets it; it needs the main thread, so in-process test clients leave it off).
    """
    settings = settings if settings is not None else Settings.from_env()
    runtime = Runtime.create(settings, analyzer)
    # The /docs and /redoc pages serve their scripts from the installed package, not a CDN, so they
    # work behind a firewall like the rest of the service.
    app = FastAPIOffline(
        title="Framing analysis",
        version="1",
        summary="Persuasion techniques and news frames in text, sentence by sentence, with exact spans.",
        description="Offsets are Python string indices (Unicode code points) into the text as sent; "
                    "`end` is exclusive. Every list holds only what the model asserts, highest score first. "
                    "Errors answer `{detail, code, errors}`; `detail` names the offending field.",
        lifespan=lifespan_for(runtime, reload_on_sighup=reload_on_sighup),
    )
    app.state.framing = runtime  # read only by `deps.get_runtime`
    install_error_handlers(app)
    routers = [module.router for module in (analysis, reference, admin, annotation_routes, operations, page)]
    for router in routers:
        app.include_router(router)
    page.mount_static(app)
    install_middleware(app, settings, runtime.metrics, [route for router in routers for route in router.routes],
                       runtime.body_counter)
    return app
