"""boto3 clients for RDS, CloudWatch, SSM and Secrets Manager, one per service and region,
and AWS's errors turned into RdsError messages that say what to do.

A test environment (HOTELREVIEWS_ENVIRONMENT=test) must name its endpoint
(HOTELREVIEWS_AWS_ENDPOINT_URL, a moto server): without one no client is built, so no test
can ever reach a real AWS account.
"""

from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING, Any

from hotelreviews.dr.topology import DrError

if TYPE_CHECKING:
    from hotelreviews.core.settings import Settings

CONNECT_TIMEOUT_SECONDS = 10.0
READ_TIMEOUT_SECONDS = 30.0


class RdsError(DrError):
    """An RDS step cannot be taken; the message says why and what to run."""


def check_endpoint(settings: Settings) -> None:
    """RdsError in a test environment without an explicit endpoint."""
    if settings.environment == "test" and not settings.aws_endpoint_url:
        raise RdsError(
            "HOTELREVIEWS_AWS_ENDPOINT_URL is not set: in a test environment the RDS commands"
            " talk only to an explicit endpoint (a moto server), never to AWS"
        )


def client(service: str, region: str, *, settings: Settings) -> Any:
    """A client for `service` ("rds", "cloudwatch", "ssm", "secretsmanager") in `region`."""
    check_endpoint(settings)
    return _client(service, region, settings.aws_endpoint_url)


@lru_cache(maxsize=32)
def _client(service: str, region: str, endpoint_url: str | None) -> Any:
    """Building a client loads its service model (tens of ms); a client is thread-safe."""
    import boto3
    from botocore.config import Config

    config = Config(
        connect_timeout=CONNECT_TIMEOUT_SECONDS,
        read_timeout=READ_TIMEOUT_SECONDS,
        user_agent_extra="hotelreviews",
    )
    return boto3.session.Session().client(
        service, endpoint_url=endpoint_url or None, region_name=region, config=config
    )


def error_code(error: BaseException) -> str | None:
    response = getattr(error, "response", None)
    return response.get("Error", {}).get("Code") if isinstance(response, dict) else None


def translate(error: Exception, *, doing: str, region: str) -> Exception:
    """An RdsError naming what was being done and where, or the error itself when it is
    not AWS's (a bug should show its traceback)."""
    from botocore import exceptions as boto

    if isinstance(error, RdsError):
        return error
    where = f"{doing} in {region}"
    if isinstance(error, boto.NoCredentialsError | boto.PartialCredentialsError):
        return RdsError(
            f"{where}: no AWS credentials found; set AWS_PROFILE (or AWS_ACCESS_KEY_ID and"
            " AWS_SECRET_ACCESS_KEY), or run where an instance or container role is available"
        )
    if isinstance(error, boto.EndpointConnectionError | boto.ConnectTimeoutError):
        return RdsError(
            f"{where}: cannot reach AWS ({error}); if the region is down, act from the"
            " others (docs/operations.md, AWS runbooks)"
        )
    if isinstance(error, boto.ClientError):
        code = error_code(error) or "?"
        message = error.response.get("Error", {}).get("Message") or ""
        if code in ("AccessDenied", "AccessDeniedException", "UnauthorizedOperation"):
            return RdsError(f"{where}: access denied ({message}); check the role's permissions")
        return RdsError(f"{where}: AWS answered {code}: {message}")
    if isinstance(error, boto.BotoCoreError):
        return RdsError(f"{where}: {error}")
    return error
