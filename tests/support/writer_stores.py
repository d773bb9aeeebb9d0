"""The writer endpoint store's two backends for `dr rds` tests (against moto's server): a
`store` fixture parametrized over them, the settings naming a test's own copy, and what AWS
itself holds, read with a plain boto3 client rather than the code under test.

Usage, in a test module: `from tests.support.writer_stores import store_fixture  # noqa: F401`.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.support.aws_server import AwsServer
from tests.support.pg_server import PostgresServer

STORES = ("ssm", "secretsmanager")


@pytest.fixture(name="store", params=STORES)
def store_fixture(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture(name="second_pg_server", scope="module")
def second_pg_server_fixture() -> Iterator[PostgresServer]:
    """Where the writer moves: another server (RDS instances have their own endpoints)."""
    with PostgresServer() as server:
        yield server


def store_settings(store: str, identifier: str) -> dict[str, str]:
    """Settings (by field name) for the store `store`, named after `identifier` so that
    tests sharing the moto server never share a copy."""
    return {
        "writer_endpoint_store": store,
        "writer_endpoint_parameter": f"/{identifier}/writer-endpoint",
        "writer_endpoint_secret": f"{identifier}/writer-endpoint",
    }


def held_in_aws(aws: AwsServer, store: str, identifier: str, region: str) -> str | None:
    """The value `store` holds in `region`, as AWS answers it; None when it has none."""
    names = store_settings(store, identifier)
    try:
        if store == "ssm":
            answer: Any = aws.aws_client("ssm", region).get_parameter(
                Name=names["writer_endpoint_parameter"]
            )
            return str(answer["Parameter"]["Value"])
        answer = aws.aws_client("secretsmanager", region).get_secret_value(
            SecretId=names["writer_endpoint_secret"]
        )
        return str(answer["SecretString"])
    except Exception as error:
        code = getattr(error, "response", {}).get("Error", {}).get("Code")
        if code in ("ParameterNotFound", "ResourceNotFoundException"):
            return None
        raise
