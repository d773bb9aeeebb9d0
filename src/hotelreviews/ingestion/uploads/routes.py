"""POST /api/v1/uploads: a file's bytes as the request body, queued in one request.

The body is the file itself (Content-Type application/x-ndjson, application/jsonl or
application/gzip), not a multipart form: it streams to storage as it arrives, with no form
parser between, and the console sends it with fetch(), which needs no form. The name comes
in the query (?name=), since a raw body carries none. Not under /ingestions/: there every
next segment is an ingestion's id (GET /ingestions/{ingestion_id}).

Who may call: `ingest` and `admin` (security.policies), checked before a byte of the body
is read (PolicyFirstRoute). How large: the edge refuses a declared Content-Length over
HOTELREVIEWS_UPLOAD_MAX_BYTES before reading, and counts a chunked body as it arrives
(protection.sizes); the store counts again.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response
from pydantic import WithJsonSchema
from starlette.requests import ClientDisconnect

from hotelreviews.api.deps import Db
from hotelreviews.api.problem_details import PROBLEM_JSON, PROBLEMS, Problem, problem_response
from hotelreviews.ingestion.runs.routes import IdempotencyKey, accepted
from hotelreviews.ingestion.runs.schemas import IngestionRead
from hotelreviews.ingestion.uploads.names import MAX_NAME_LENGTH, MEDIA_TYPES, NAME_PATTERN
from hotelreviews.ingestion.uploads.service import Upload, upload_and_enqueue
from hotelreviews.security.gate import PolicyFirstRoute
from hotelreviews.security.http import CurrentIdentity

router = APIRouter(tags=["ingestions"], route_class=PolicyFirstRoute)

FileName = Annotated[
    str,
    Query(
        alias="name",
        description="The file's name (no folders), ending in .jl, .jsonl, .jl.gz or .jsonl.gz: "
        "the worker takes a feed's delivery date from it (agoda_com_2025-04-10.jl).",
        examples=["agoda_com_2025-04-10.jl"],
    ),
    # What uploads.names.checked_name accepts (it gives the precise reason for a refusal).
    WithJsonSchema(
        {
            "type": "string",
            "minLength": 1,
            "maxLength": MAX_NAME_LENGTH,
            "pattern": NAME_PATTERN,
            "examples": ["agoda_com_2025-04-10.jl"],
        }
    ),
]
_FILE = {"type": "string", "format": "binary", "minLength": 1}
UPLOAD_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "description": "The file's bytes, as they are: JSON Lines, or gzip of it.",
        "content": {media_type: {"schema": _FILE} for media_type in MEDIA_TYPES},
    }
}
UPLOAD_PROBLEMS: dict[int | str, dict[str, Any]] = {
    **PROBLEMS,
    400: {"model": Problem, "description": "The body ended early", "content": {PROBLEM_JSON: {}}},
    415: {"model": Problem, "description": "Not sent as JSON Lines", "content": {PROBLEM_JSON: {}}},
}


@router.post(
    "/uploads",
    status_code=202,
    response_model=IngestionRead,
    responses=UPLOAD_PROBLEMS,
    openapi_extra=UPLOAD_BODY,
)
async def upload_ingestion(
    request: Request,
    db: Db,
    identity: CurrentIdentity,
    name: FileName,
    idempotency_key: IdempotencyKey = None,
) -> Response:
    """Upload a JSON Lines file as the body and queue it; follow it at the Location given."""
    length = request.headers.get("content-length")
    upload = Upload(
        name=name,
        content_type=request.headers.get("content-type"),
        content_length=int(length) if length is not None and length.isdigit() else None,
        chunks=request.stream(),
    )
    try:
        enqueued = await upload_and_enqueue(
            engine=db,
            settings=request.app.state.settings,
            upload=upload,
            idempotency_key=idempotency_key,
            created_by=identity.key,
        )
    except ClientDisconnect:
        # Nobody reads this answer (or the edge sends its 413 instead); nothing was kept.
        return problem_response(
            status=400,
            code="upload_interrupted",
            detail="the body ended before all of it arrived: nothing was stored or queued",
            instance=request.url.path,
        )
    return await accepted(request, db, enqueued)
