"""The writer endpoint store: where the writer's address ("host:port") lives, one copy per
region, so that each region's apps read their own and losing a region does not lose the
others' copy. `dr rds promote|repoint` write it; the apps re-read it (writer_follow).

Two backends, chosen by HOTELREVIEWS_WRITER_ENDPOINT_STORE: an SSM parameter ("ssm", the
default: writer_parameter) or a Secrets Manager secret ("secretsmanager": writer_secret).
Both hold the same value and answer the same three calls.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

from hotelreviews.dr.rds import writer_parameter, writer_secret
from hotelreviews.dr.rds.aws import RdsError

if TYPE_CHECKING:
    from hotelreviews.core.settings import Settings


class Backend(Protocol):
    def describe(self, settings: Settings) -> str: ...

    def read(self, region: str, *, settings: Settings) -> str | None: ...

    def write(self, region: str, endpoint: str, *, settings: Settings) -> None: ...


# Modules answering the protocol (type checkers accept a module for a Protocol).
BACKENDS: dict[str, Backend] = {"ssm": writer_parameter, "secretsmanager": writer_secret}


def _backend(settings: Settings) -> Backend:
    return BACKENDS[settings.writer_endpoint_store]


def describe(settings: Settings) -> str:
    """What holds the writer's address, for messages: "SSM parameter /hotelreviews/…"."""
    return _backend(settings).describe(settings)


def read(region: str, *, settings: Settings) -> str | None:
    """`region`'s copy; None when it does not exist there."""
    return _backend(settings).read(region, settings=settings)


def write(region: str, endpoint: str, *, settings: Settings) -> None:
    """Set (or create) `region`'s copy to `endpoint`."""
    _backend(settings).write(region, endpoint, settings=settings)


def write_everywhere(endpoint: str, *, settings: Settings) -> dict[str, str | None]:
    """Set the copy in every region: by region, None when written, else why not. One
    unreachable region (the lost one) does not stop the others."""
    outcome: dict[str, str | None] = {}
    for region in settings.rds_regions:
        try:
            write(region, endpoint, settings=settings)
            outcome[region] = None
        except RdsError as error:
            outcome[region] = str(error)
    return outcome
