"""HTTP routes of providers."""

from __future__ import annotations

from fastapi import APIRouter, Response

from hotelreviews.api.deps import Reads
from hotelreviews.api.problem_details import PROBLEMS
from hotelreviews.api.responses import CacheableRoute
from hotelreviews.protection.expensive import Page
from hotelreviews.providers import service
from hotelreviews.providers.schemas import ProviderPage

router = APIRouter(prefix="/providers", tags=["providers"], route_class=CacheableRoute)


@router.get("", response_model=ProviderPage, responses=PROBLEMS)
async def list_providers(reads: Reads, page: Page) -> Response:
    """Review providers with their rating scale and review count."""
    return await reads.json(service.list_providers, page=page)
