"""The baseline for bench/api.py: a bare ASGI callable returning a fixed JSON body.

It measures what uvicorn and the load generator cost on their own, on the same machine and
in the same run, so the API's figures can be read as a ratio.
"""

import orjson

BODY = orjson.dumps(
    {
        "id": 1,
        "name": "Harbourfront Lantern Hotel",
        "city": "Singapore",
        "country": "Singapore",
        "review_count": 1204,
        "average_rating": 8.31,
        "latest_review_at": "2025-03-16T07:05:00Z",
        "histogram": {str(n): n * 10 for n in range(1, 11)},
    }
)
HEADERS = [(b"content-type", b"application/json"), (b"content-length", str(len(BODY)).encode())]


async def app(scope, receive, send):  # noqa: ANN001, ANN201 - the ASGI signature
    if scope["type"] == "lifespan":
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await send({"type": "lifespan.shutdown.complete"})
                return
    await send({"type": "http.response.start", "status": 200, "headers": HEADERS})
    await send({"type": "http.response.body", "body": BODY})
