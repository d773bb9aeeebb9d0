"""HTTP routes of ingestion: queue a source for the worker; runs, their progress and counts,
and their rejected lines.

Not cacheable (no CacheableRoute): an ingestion's status and progress change while it runs.
Who may call each route: security.policies (queueing needs the `ingest` or `admin` role);
which ingestions each caller sees: runs.access (an `ingest` identity, its own).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header, Request, Response
from pydantic import AfterValidator, WithJsonSchema
from sqlalchemy.ext.asyncio import AsyncEngine

from hotelreviews.api.deps import Db, IngestionId, Reads
from hotelreviews.api.problem_details import NOT_FOUND, PROBLEMS
from hotelreviews.api.reads import token_after_commit, with_consistency_token
from hotelreviews.api.responses import json_response
from hotelreviews.ingestion.runs import service
from hotelreviews.ingestion.runs.access import view_for
from hotelreviews.ingestion.runs.schemas import (
    IngestionCreate,
    IngestionPage,
    IngestionRead,
    RejectedLinePage,
)
from hotelreviews.protection.expensive import Page
from hotelreviews.security.gate import PolicyFirstRoute
from hotelreviews.security.http import CurrentIdentity

# Policy first: an anonymous POST gets 401 whatever its body (security.gate).
router = APIRouter(prefix="/ingestions", tags=["ingestions"], route_class=PolicyFirstRoute)
REPLAYED_HEADER = "Idempotent-Replayed"


def _idempotency_key(value: str) -> str:
    # The draft defines the key as a structured-field string ("…"); bare keys are common.
    if len(value) > 2 and value[0] == value[-1] == '"':
        value = value[1:-1]
    if not 1 <= len(value) <= 255 or not all("\x21" <= char <= "\x7e" for char in value):
        raise ValueError("must be 1 to 255 visible ASCII characters, e.g. a UUID")
    return value


IdempotencyKey = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        description="Makes a retried request safe: the same key with the same body returns "
        "the ingestion the first request queued; with another body it is refused (422).",
        examples=["8e03978e-40d5-43e8-bc93-6894a57f9324"],
    ),
    AfterValidator(lambda value: None if value is None else _idempotency_key(value)),
    # What _idempotency_key accepts, and never null (a header is absent or a string).
    WithJsonSchema(
        {
            "type": "string",
            "pattern": r'^(?:"[!-~]{1,255}"|[!-~]{1,255})$',
            "examples": ["8e03978e-40d5-43e8-bc93-6894a57f9324"],
        }
    ),
]


@router.post(
    "",
    status_code=202,
    response_model=IngestionRead,
    responses=PROBLEMS,
)
async def create_ingestion(
    request: Request,
    db: Db,
    identity: CurrentIdentity,
    body: IngestionCreate,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    """Queue a source for the worker; follow its progress at the Location given."""
    enqueued = await service.enqueue(
        engine=db,
        settings=request.app.state.settings,
        source_uri=body.source_uri,
        idempotency_key=idempotency_key,
        created_by=identity.key,
    )
    return await accepted(request, db, enqueued)


async def accepted(request: Request, db: AsyncEngine, enqueued: service.Enqueued) -> Response:
    """202 with the queued ingestion, where to follow it, and whether it was a replay."""
    response = json_response(enqueued.ingestion, status_code=202)
    response.headers["Location"] = request.app.url_path_for(
        "get_ingestion", ingestion_id=str(enqueued.ingestion_id)
    )
    if enqueued.replayed:
        response.headers[REPLAYED_HEADER] = "true"
    return with_consistency_token(response, await token_after_commit(db))


@router.get("", response_model=IngestionPage, responses=PROBLEMS)
async def list_ingestions(reads: Reads, identity: CurrentIdentity, page: Page) -> Response:
    """Ingestions, newest first (a queued one by when it was queued): all of them for admins
    and analysts, an `ingest` identity's own for it."""
    return await reads.json(service.list_ingestions, page=page, view=view_for(identity))


@router.get("/{ingestion_id}", response_model=IngestionRead, responses=NOT_FOUND)
async def get_ingestion(
    reads: Reads, identity: CurrentIdentity, ingestion_id: IngestionId
) -> Response:
    """One ingestion: status, progress while it runs, line counts, and its queue state.

    Send the `X-Consistency-Token` of the POST that queued it to be sure to see it.
    """
    return await reads.json(
        service.get_ingestion, ingestion_id=ingestion_id, view=view_for(identity)
    )


@router.get("/{ingestion_id}/rejected-lines", response_model=RejectedLinePage, responses=NOT_FOUND)
async def list_rejected_lines(
    reads: Reads, identity: CurrentIdentity, ingestion_id: IngestionId, page: Page
) -> Response:
    """The lines an ingestion rejected, by line number, with the reason and the start of each
    (the start only for admins and the identity that queued it)."""
    return await reads.json(
        service.list_rejected_lines,
        ingestion_id=ingestion_id,
        page=page,
        view=view_for(identity),
    )
