"""The HTTP service, laid out as FastAPI's bigger-application template: `app.create_app` wires the
routers (one per resource), the dependencies (`deps`), the runtime, middleware and error handlers."""
