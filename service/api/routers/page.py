"""`GET /` (and HEAD) and `/static/*`: the web page, served from the package (no CDN)."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, FastAPI
from fastapi.responses import FileResponse
from fastapi.staticfiles import StaticFiles

STATIC_DIR = Path(__file__).resolve().parents[2] / "static"

router = APIRouter()


# HEAD too: uptime probes and link checkers ask with it, and a 405 reads as "down".
@router.api_route("/", methods=["GET", "HEAD"], include_in_schema=False)
async def page() -> FileResponse:
    return FileResponse(STATIC_DIR / "index.html", media_type="text/html")


def mount_static(app: FastAPI) -> None:
    """A mount cannot live on an included router, so the app mounts it."""
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
