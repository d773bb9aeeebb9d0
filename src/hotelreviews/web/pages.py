"""The page routes and the asset route: plain Starlette routes (public, outside the API schema,
no dependencies: the data behind a page is the API's, under the API's own policies).

A page handler renders its template with the asset URLs and the query (to fill in the forms:
Jinja2 escapes every value); the page's script does the rest from the URL. A page route takes
any query: the page's script hands the API only the names it knows, and the API answers a bad
value with a precise problem that the page shows.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, Response

from hotelreviews.core.settings import Settings
from hotelreviews.web.assets import IMMUTABLE, WEB_DIR, AssetManifest

# A page is cheap to send and names its assets by hash: always revalidated, never stale.
PAGE_CACHE_CONTROL = "no-cache"
# The largest id the API takes (a BIGINT): past it a hotel's or an ingestion's page is a 404
# without asking.
MAX_ID = 2**63 - 1

_templates = Environment(
    loader=FileSystemLoader(WEB_DIR / "templates"),
    autoescape=select_autoescape(default=True, default_for_string=True),
    trim_blocks=True,
    lstrip_blocks=True,
)


def _render(request: Request, template: str, status: int = 200, **context: Any) -> HTMLResponse:
    manifest: AssetManifest = request.app.state.web_assets
    html = _templates.get_template(template).render(
        asset=manifest.url, query=request.query_params, path=request.url.path, **context
    )
    return HTMLResponse(html, status_code=status, headers={"Cache-Control": PAGE_CACHE_CONTROL})


async def explorer(request: Request) -> Response:
    return _render(request, "explorer.html")


def _page_of(request: Request, template: str, *, id_param: str) -> Response:
    """A page about one thing named by an id in the path: 404 unless the id is one the API
    could hold (a positive integer up to MAX_ID, ASCII digits only)."""
    raw = request.path_params[id_param]
    if not raw.isascii() or not raw.isdigit() or not 1 <= int(raw) <= MAX_ID:
        return _render(request, "not_found.html", status=404)
    return _render(request, template, **{id_param: int(raw)})


async def hotel(request: Request) -> Response:
    return _page_of(request, "hotel.html", id_param="hotel_id")


async def search(request: Request) -> Response:
    return _render(request, "search.html")


async def login(request: Request) -> Response:
    return _render(request, "login.html")


async def manage(request: Request) -> Response:
    # Who may see what is the API's to say: the page's script signs in (or sends to /login)
    # and shows what the signed-in person's roles get.
    return _render(request, "manage.html")


async def operations(request: Request) -> Response:
    # The console's data is the API's, each part under its own policy (ingestions: admin,
    # analyst, ingest; /health/deep: admin): the script shows what the person's roles get.
    return _render(request, "operations.html")


async def ingestion(request: Request) -> Response:
    return _page_of(request, "ingestion.html", id_param="ingestion_id")


async def asset(request: Request) -> Response:
    found = request.app.state.web_assets.find(request.path_params["name"])
    if found is None:
        return _render(request, "not_found.html", status=404)
    return FileResponse(
        found.path, media_type=found.media_type, headers={"Cache-Control": IMMUTABLE}
    )


def install_pages(app: FastAPI, settings: Settings) -> None:
    """The pages (Explorer, sign-in, manager's dashboard, operations console) and their
    assets (each listed in security.policies, public)."""
    app.state.web_assets = AssetManifest.build(settings.web_node_modules)
    for path, handler in (
        ("/", explorer),
        ("/hotels/{hotel_id}", hotel),
        ("/search", search),
        ("/login", login),
        ("/manage", manage),
        ("/operations", operations),
        ("/operations/ingestions/{ingestion_id}", ingestion),
        ("/assets/{name}", asset),
    ):
        app.add_route(
            path, handler, methods=["GET"], name=f"web_{handler.__name__}", include_in_schema=False
        )
