"""One router per resource; `framing.service.api.app.create_app` includes them in this order."""
