"""The writer endpoint store's Secrets Manager backend: the writer's address ("host:port",
the secret's whole SecretString) in a secret (HOTELREVIEWS_WRITER_ENDPOINT_SECRET), one
independent secret per region (writer_store).

Not one secret replicated by Secrets Manager: a replica cannot be written in its own region,
only through its primary's, and that region may be the one that is lost.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from hotelreviews.dr.rds.aws import client, error_code, translate

if TYPE_CHECKING:
    from hotelreviews.core.settings import Settings

NOT_FOUND = "ResourceNotFoundException"


def describe(settings: Settings) -> str:
    return f"Secrets Manager secret {settings.writer_endpoint_secret}"


def read(region: str, *, settings: Settings) -> str | None:
    """The secret's value in `region`; None when it does not exist there."""
    name = settings.writer_endpoint_secret
    try:
        answer = client("secretsmanager", region, settings=settings).get_secret_value(SecretId=name)
    except Exception as error:
        if error_code(error) == NOT_FOUND:
            return None
        raise translate(error, doing=f"reading secret {name}", region=region) from error
    value = answer.get("SecretString")
    return str(value) if value is not None else None


def write(region: str, endpoint: str, *, settings: Settings) -> None:
    """Set the secret's value in `region` to `endpoint`, creating the secret if need be."""
    name = settings.writer_endpoint_secret
    secrets = client("secretsmanager", region, settings=settings)
    try:
        try:
            secrets.put_secret_value(SecretId=name, SecretString=endpoint)
        except Exception as error:
            if error_code(error) != NOT_FOUND:
                raise
            secrets.create_secret(
                Name=name,
                SecretString=endpoint,
                Description="hotelreviews: the database writer (host:port); set by `dr rds`",
            )
    except Exception as error:
        raise translate(error, doing=f"writing secret {name}", region=region) from error
