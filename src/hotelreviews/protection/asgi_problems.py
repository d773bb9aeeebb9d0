"""Problem+json answers sent straight from an ASGI middleware, before any application runs."""

from __future__ import annotations

import orjson
from starlette.types import Send

PROBLEM_JSON = b"application/problem+json"
_TITLES = {
    400: "Bad request",
    413: "Content too large",
    414: "URI too long",
    429: "Too many requests",
    431: "Request header fields too large",
}


async def send_problem(
    send: Send,
    *,
    status: int,
    code: str,
    detail: str,
    instance: str | None,
    headers: list[tuple[bytes, bytes]] | None = None,
) -> None:
    """The same body as api.problem_details, without FastAPI: these requests never reach it."""
    body = orjson.dumps(
        {
            "type": f"urn:hotelreviews:problem:{code}",
            "title": _TITLES.get(status, "Error"),
            "status": status,
            "detail": detail,
            "code": code,
            "instance": instance,
        }
    )
    response_headers = [
        (b"content-type", PROBLEM_JSON),
        (b"content-length", str(len(body)).encode()),
        # The security headers are added around every middleware (protection.wiring).
        *(headers or ()),
    ]
    await send({"type": "http.response.start", "status": status, "headers": response_headers})
    await send({"type": "http.response.body", "body": body})
