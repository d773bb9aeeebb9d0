"""HTTP routes of the ingestion read side: runs, their counts and their rejected lines."""

from __future__ import annotations

from fastapi import APIRouter, Response

from hotelreviews.api.deps import Db, IngestionId, Page
from hotelreviews.api.problems import NOT_FOUND, PROBLEMS
from hotelreviews.api.responses import json_response
from hotelreviews.ingestion import queries
from hotelreviews.ingestion.schemas import IngestionPage, IngestionRead, RejectedLinePage

router = APIRouter(prefix="/ingestions", tags=["ingestions"])


@router.get("", response_model=IngestionPage, responses=PROBLEMS)
async def list_ingestions(db: Db, page: Page) -> Response:
    """Ingestion runs, newest first."""
    return json_response(await queries.list_ingestions(engine=db, page=page))


@router.get("/{ingestion_id}", response_model=IngestionRead, responses=NOT_FOUND)
async def get_ingestion(db: Db, ingestion_id: IngestionId) -> Response:
    """One ingestion run: status, times, rate and line counts."""
    return json_response(await queries.get_ingestion(engine=db, ingestion_id=ingestion_id))


@router.get("/{ingestion_id}/rejected-lines", response_model=RejectedLinePage, responses=NOT_FOUND)
async def list_rejected_lines(db: Db, ingestion_id: IngestionId, page: Page) -> Response:
    """The lines a run rejected, by line number, with the reason and the start of each line."""
    return json_response(
        await queries.list_rejected_lines(engine=db, ingestion_id=ingestion_id, page=page)
    )
