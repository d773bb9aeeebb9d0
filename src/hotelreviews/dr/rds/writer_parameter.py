"""The writer's address ("host:port") in an SSM parameter, one copy per region: each
region's apps read their own, so losing a region does not lose the others' copy."""

from __future__ import annotations

from typing import TYPE_CHECKING

from hotelreviews.dr.rds.aws import RdsError, client, error_code, translate

if TYPE_CHECKING:
    from hotelreviews.core.settings import Settings


def read(region: str, *, settings: Settings) -> str | None:
    """The parameter's value in `region`; None when it does not exist there."""
    name = settings.writer_endpoint_parameter
    try:
        answer = client("ssm", region, settings=settings).get_parameter(Name=name)
    except Exception as error:
        if error_code(error) == "ParameterNotFound":
            return None
        raise translate(error, doing=f"reading SSM parameter {name}", region=region) from error
    return str(answer["Parameter"]["Value"])


def write(region: str, endpoint: str, *, settings: Settings) -> None:
    """Set (or create) the parameter in `region` to `endpoint`."""
    name = settings.writer_endpoint_parameter
    try:
        client("ssm", region, settings=settings).put_parameter(
            Name=name,
            Value=endpoint,
            Type="String",
            Overwrite=True,
            Description="hotelreviews: the database writer (host:port); set by `dr rds`",
        )
    except Exception as error:
        raise translate(error, doing=f"writing SSM parameter {name}", region=region) from error


def write_everywhere(endpoint: str, *, settings: Settings) -> dict[str, str | None]:
    """Set the parameter in every region: by region, None when written, else why not. One
    unreachable region (the lost one) does not stop the others."""
    outcome: dict[str, str | None] = {}
    for region in settings.rds_regions:
        try:
            write(region, endpoint, settings=settings)
            outcome[region] = None
        except RdsError as error:
            outcome[region] = str(error)
    return outcome
