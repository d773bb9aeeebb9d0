"""`/`: a redirect to the interactive docs, the address `hotelreviews serve` prints.

There are no web pages yet, so the root would otherwise be a 404 problem document: the first
thing a newcomer opening the printed address sees. A plain Starlette route (as the docs are):
public, outside the OpenAPI schema (it is not part of the API), GET and HEAD. The Location is
relative, like every redirect the app sends (protection.hosts), so no Host header is echoed.
"""

from __future__ import annotations

from fastapi import FastAPI
from starlette.requests import Request
from starlette.responses import RedirectResponse

DOCS_PATH = "/docs"


async def redirect_to_docs(request: Request) -> RedirectResponse:
    # 307, not 301: once web pages exist `/` will serve them, and browsers cache a 301 for good.
    return RedirectResponse(DOCS_PATH, status_code=307)


def install_root_redirect(app: FastAPI) -> None:
    app.add_route("/", redirect_to_docs, methods=["GET"], name="root", include_in_schema=False)
