"""HTTP routes of providers."""

from __future__ import annotations

from fastapi import APIRouter, Response

from hotelreviews.api.deps import Db, Page
from hotelreviews.api.problems import PROBLEMS
from hotelreviews.api.responses import CacheableRoute, json_response
from hotelreviews.providers import service
from hotelreviews.providers.schemas import ProviderPage

router = APIRouter(prefix="/providers", tags=["providers"], route_class=CacheableRoute)


@router.get("", response_model=ProviderPage, responses=PROBLEMS)
async def list_providers(db: Db, page: Page) -> Response:
    """Review providers with their rating scale and review count."""
    return json_response(await service.list_providers(engine=db, page=page))
