"""A throwaway S3 (moto's server mode) on a free port, spoken to over real HTTP.

moto runs in its own process, as a real S3-compatible store would: the code under test talks
to it through boto3 and HTTP only. Objects larger than ~5 MB are spooled to temporary files
by moto, so big benchmark objects do not sit in its memory.

Usage::

    with S3Server() as s3:
        settings = Settings(s3_endpoint_url=s3.endpoint_url)
        s3.client().create_bucket(Bucket="feeds")

In tests, import the fixtures into the test module (a fixture is found where it is named):
`from tests.support.s3_server import bucket_fixture, s3_server_fixture  # noqa: F401`.
`s3_server` is session-scoped and sets the dummy AWS environment for the session; `bucket`
is a fresh bucket per test.

`dummy_aws_environment()` gives the variables boto3 needs to sign requests (moto accepts
any credentials) and keeps it away from real AWS: no shared config files, no instance
metadata look-ups.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import TracebackType
from typing import Any, TypeVar

import pytest

from tests.support.processes import stop_process

ServerT = TypeVar("ServerT", bound="S3Server")

HOST = "127.0.0.1"
START_TIMEOUT_SECONDS = 60.0


def dummy_aws_environment() -> dict[str, str]:
    """Credentials and region for moto, and nothing that could reach a real AWS account."""
    return {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SESSION_TOKEN": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_EC2_METADATA_DISABLED": "true",
        "AWS_CONFIG_FILE": os.devnull,
        "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
    }


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


class S3Server:
    """`python -m moto.server` in a child process, on 127.0.0.1 and a free port."""

    def __init__(self) -> None:
        self.port = 0
        self._process: subprocess.Popen[bytes] | None = None
        self._client: Any = None
        handle, log_path = tempfile.mkstemp(prefix="moto-", suffix=".log")
        self._log = os.fdopen(handle, "wb")
        self._log_path = Path(log_path)

    @property
    def endpoint_url(self) -> str:
        return f"http://{HOST}:{self.port}"

    def start(self) -> None:
        for _attempt in range(3):  # a free port can be taken between the check and the bind
            self.port = _free_port()
            self._process = subprocess.Popen(
                [*self.command(), "-H", HOST, "-p", str(self.port)],
                stdout=self._log,
                stderr=subprocess.STDOUT,
                env={**os.environ, **dummy_aws_environment()},
            )
            if self._wait_until_serving():
                return
            self.stop()
        raise RuntimeError(f"moto's S3 server did not start; see {self._log_path}")

    def command(self) -> list[str]:
        """What runs the server (a subclass may run a patched moto)."""
        return [sys.executable, "-m", "moto.server"]

    def _wait_until_serving(self) -> bool:
        deadline = time.monotonic() + START_TIMEOUT_SECONDS
        assert self._process is not None
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                return False
            try:
                with urllib.request.urlopen(f"{self.endpoint_url}/moto-api/", timeout=2):
                    return True
            except OSError:
                time.sleep(0.1)
        return False

    def stop(self) -> None:
        process, self._process = self._process, None
        stop_process(process)

    def close(self) -> None:
        self.stop()
        self._log.close()
        self._log_path.unlink(missing_ok=True)

    def client(self) -> Any:
        """A boto3 S3 client for this server (for test setup: buckets, objects)."""
        import boto3
        from botocore.config import Config

        if self._client is None:
            self._client = boto3.session.Session(**_session_credentials()).client(
                "s3",
                endpoint_url=self.endpoint_url,
                region_name="us-east-1",
                config=Config(s3={"addressing_style": "path"}),
            )
        return self._client

    def __enter__(self) -> S3Server:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()


def _session_credentials() -> dict[str, str]:
    env = dummy_aws_environment()
    return {
        "aws_access_key_id": env["AWS_ACCESS_KEY_ID"],
        "aws_secret_access_key": env["AWS_SECRET_ACCESS_KEY"],
        "aws_session_token": env["AWS_SESSION_TOKEN"],
    }


@contextmanager
def serving_with_dummy_credentials(server: ServerT) -> Iterator[ServerT]:
    """Run a moto server while boto3 in this process signs with dummy credentials (so no
    real ones on the machine are ever read or sent)."""
    with server, pytest.MonkeyPatch.context() as patch:
        for name, value in dummy_aws_environment().items():
            patch.setenv(name, value)
        yield server


@pytest.fixture(scope="session", name="s3_server")
def s3_server_fixture() -> Iterator[S3Server]:
    """moto's S3 in a child process; boto3 in this process signs with dummy credentials."""
    with serving_with_dummy_credentials(S3Server()) as server:
        yield server


@pytest.fixture(name="bucket")
def bucket_fixture(s3_server: S3Server) -> str:
    """A new, empty bucket for one test."""
    name = f"feeds-{uuid.uuid4().hex[:12]}"
    s3_server.client().create_bucket(Bucket=name)
    return name
