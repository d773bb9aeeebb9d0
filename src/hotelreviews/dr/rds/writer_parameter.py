"""The writer endpoint store's SSM backend: the writer's address ("host:port") in an SSM
parameter (HOTELREVIEWS_WRITER_ENDPOINT_PARAMETER), one copy per region (writer_store)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from hotelreviews.dr.rds.aws import client, error_code, translate

if TYPE_CHECKING:
    from hotelreviews.core.settings import Settings


def describe(settings: Settings) -> str:
    return f"SSM parameter {settings.writer_endpoint_parameter}"


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
