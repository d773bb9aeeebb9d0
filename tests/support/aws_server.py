"""A throwaway AWS (moto's server mode, every service on one port) for RDS, CloudWatch and
SSM, with read-replica promotion as AWS does it (moto_rds_promotion.py).

Usage, in a test module: `from tests.support.aws_server import aws_server_fixture  # noqa: F401`;
`aws_server` is module-scoped and sets the dummy AWS environment (s3_server.py) meanwhile.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.support.s3_server import S3Server, dummy_aws_environment, serving_with_dummy_credentials

_PATCHED_MOTO = Path(__file__).with_name("moto_rds_promotion.py")


class AwsServer(S3Server):
    """moto's server (all services), promotion patched; clients for test setup."""

    def command(self) -> list[str]:
        return [sys.executable, str(_PATCHED_MOTO)]

    def aws_client(self, service: str, region: str) -> Any:
        import boto3

        env = dummy_aws_environment()
        return boto3.session.Session(
            aws_access_key_id=env["AWS_ACCESS_KEY_ID"],
            aws_secret_access_key=env["AWS_SECRET_ACCESS_KEY"],
            aws_session_token=env["AWS_SESSION_TOKEN"],
        ).client(service, endpoint_url=self.endpoint_url, region_name=region)


@pytest.fixture(scope="module", name="aws_server")
def aws_server_fixture() -> Iterator[AwsServer]:
    with serving_with_dummy_credentials(AwsServer()) as server:
        yield server
