"""`/metrics`: the instance's metrics for Prometheus, behind the metrics bearer token when one
is configured. What a scrape reads is observability.exposition's job; this is its HTTP route.
"""

from __future__ import annotations

import hmac

from fastapi import APIRouter, Request, Response
from prometheus_client import CONTENT_TYPE_PLAIN_0_0_4

from hotelreviews.api.problem_details import problem_response
from hotelreviews.observability.exposition import latest

router = APIRouter()


# A plain def: FastAPI runs it in a thread, so reading the files never blocks the event loop.
@router.get("/metrics", include_in_schema=False)
def metrics(request: Request) -> Response:
    """The metrics of this instance, for Prometheus (bearer token when one is configured)."""
    token = request.app.state.settings.metrics_bearer_token
    if token is not None and not _presents(request, token.get_secret_value()):
        return problem_response(
            status=401,
            code="metrics_token_required",
            title="Metrics token required",
            detail="send Authorization: Bearer <the metrics token> to read /metrics",
            instance=request.url.path,
            headers={"WWW-Authenticate": 'Bearer realm="metrics"'},
        )
    # The classic text format (0.0.4): what every Prometheus 2.x reads; the names need no more.
    return Response(latest(), media_type=CONTENT_TYPE_PLAIN_0_0_4)


def _presents(request: Request, token: str) -> bool:
    scheme, _, credentials = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer":
        return False
    # Constant time: how much of a guess matched must not show in the response time.
    return hmac.compare_digest(credentials.strip().encode(), token.encode())
