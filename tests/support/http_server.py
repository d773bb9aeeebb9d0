"""A local HTTP(S) file server for testing http(s) sources, with misbehaviours on demand.

It serves a directory like any static web server (Content-Length, Last-Modified, no ETag,
Range ignored — a 200 with the whole file) on 127.0.0.1 and a free port, over TLS when given
a certificate, counts the requests it gets, and also answers:

- `/moved/<path>`  → 302 to `/<path>` (redirects are followed);
- `/loop/<path>`   → 302 to itself (too many redirects);
- `/redirect-to/<url>` → 302 to that absolute URL (another host, another scheme);
- `/cut/<path>`    → announces the whole file but closes the connection half-way;
- `/bare/<path>`   → the file with its length only: no ETag, no Last-Modified;
- `/stream/<path>` → the file with no length and no validator (the body ends at close);
- `/drip/<path>`   → the file announced whole, then sent one byte at a time (`drip`);
- `/fail/<code>`   → answers with that status code.

`allowing_loopback` gives settings whose source policy lets sources come from this server
(HOTELREVIEWS_SOURCE_ALLOWED_HOSTS=127.0.0.1, HOTELREVIEWS_SOURCE_ALLOWED_NETWORKS=127.0.0.1/32).
"""

from __future__ import annotations

import socket
import ssl
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from hotelreviews.cluster.tls import CertificateAuthority, ensure_ca, ensure_server_certificate
from hotelreviews.core.settings import Settings

LOOPBACK_POLICY = {
    "source_allowed_hosts": ["127.0.0.1"],
    "source_allowed_networks": ["127.0.0.1/32"],
}
LOOPBACK_ENVIRONMENT = {
    "HOTELREVIEWS_SOURCE_ALLOWED_HOSTS": "127.0.0.1",
    "HOTELREVIEWS_SOURCE_ALLOWED_NETWORKS": "127.0.0.1/32",
}


def allowing_loopback(settings: Settings, **overrides: Any) -> Settings:
    """`settings` with sources allowed from 127.0.0.1 (and nothing else remote)."""
    return settings.model_copy(update={**LOOPBACK_POLICY, **overrides})


@dataclass(frozen=True)
class LocalCA:
    """A certificate authority of the test's own, and server certificates it signs."""

    ca: CertificateAuthority
    directory: Path

    @classmethod
    def create(cls, directory: Path) -> LocalCA:
        return cls(ensure_ca(directory), directory)

    @property
    def cert_file(self) -> Path:
        """The CA's certificate: a client trusting it (SSL_CERT_FILE) trusts its servers."""
        return self.ca.cert_path

    def server_context(self, *names: str) -> ssl.SSLContext:
        """A server-side TLS context with a certificate for these names and 127.0.0.1."""
        pem = self.directory / f"server-{len(list(self.directory.glob('server-*')))}.pem"
        ensure_server_certificate(self.ca, pem, dns_names=names, ip_addresses=["127.0.0.1"])
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(pem)
        return context


class _Handler(SimpleHTTPRequestHandler):
    server: _Server

    def do_GET(self) -> None:  # noqa: N802 - the http.server naming
        self.server.requests.append(self.path)
        if self.path.startswith("/moved/"):
            self._redirect("/" + self.path.removeprefix("/moved/"))
        elif self.path.startswith("/loop/"):
            self._redirect(self.path)
        elif self.path.startswith("/redirect-to/"):
            self._redirect(self.path.removeprefix("/redirect-to/"))
        elif self.path.startswith("/cut/"):
            self._send_half(self._file("/cut/"))
        elif self.path.startswith("/bare/"):
            self._send_bare(self._file("/bare/"), length=True)
        elif self.path.startswith("/stream/"):
            self._send_bare(self._file("/stream/"), length=False)
        elif self.path.startswith("/drip/"):
            self._drip(self._file("/drip/"))
        elif self.path.startswith("/fail/"):
            self.send_error(int(self.path.removeprefix("/fail/")))
        else:
            super().do_GET()

    def _file(self, prefix: str) -> Path:
        return Path(self.directory) / self.path.removeprefix(prefix)

    def _redirect(self, location: str) -> None:
        self.send_response(302)
        self.send_header("Location", location)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def _send_half(self, path: Path) -> None:
        data = path.read_bytes()
        self.send_response(200)
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Last-Modified", self.date_time_string(int(path.stat().st_mtime)))
        self.end_headers()
        self.wfile.write(data[: len(data) // 2])
        self.close_connection = True

    def _send_bare(self, path: Path, *, length: bool) -> None:
        data = path.read_bytes()
        self.send_response(200)
        if length:
            self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)
        self.close_connection = True

    def _drip(self, path: Path) -> None:
        data = path.read_bytes()
        self.send_response(200)
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Last-Modified", self.date_time_string(int(path.stat().st_mtime)))
        self.end_headers()
        self.wfile.write(data[: self.server.drip_after])
        self.wfile.flush()
        try:
            for index in range(self.server.drip_after, len(data)):
                self.wfile.write(data[index : index + 1])
                self.wfile.flush()
                time.sleep(self.server.drip_seconds)
        except OSError:
            pass  # the client gave up: that is the point
        self.close_connection = True

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - overridden name
        pass  # keep test output clean


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, handler: Any, tls: ssl.SSLContext | None) -> None:
        super().__init__(("127.0.0.1", 0), handler)
        self.requests: list[str] = []
        self.drip_seconds = 0.05
        self.drip_after = 0  # bytes of a /drip/ body sent at once before the drip
        if tls is not None:
            # The handshake happens in the request's thread, at its first read.
            self.socket = tls.wrap_socket(
                self.socket, server_side=True, do_handshake_on_connect=False
            )

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A client refusing our certificate, or hanging up on a drip, is what tests do.
        if not isinstance(sys.exc_info()[1], OSError):
            super().handle_error(request, client_address)


class FileServer:
    """Serves `directory` over HTTP (or HTTPS, given a server TLS context) on 127.0.0.1."""

    def __init__(self, directory: Path, *, tls: ssl.SSLContext | None = None) -> None:
        self.directory = directory
        self.scheme = "https" if tls is not None else "http"
        self._server = _Server(partial(_Handler, directory=str(directory)), tls)
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    @property
    def requests(self) -> list[str]:
        """The paths requested so far, in order."""
        return self._server.requests

    def drip(self, *, seconds: float, after: int = 0) -> None:
        """/drip/ bodies: `after` bytes at once, then one byte every `seconds`."""
        self._server.drip_seconds, self._server.drip_after = seconds, after

    def url(self, path: str, *, host: str = "127.0.0.1") -> str:
        return f"{self.scheme}://{host}:{self.port}/{path}"

    def __enter__(self) -> FileServer:
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join()


class AnswersAnything:
    """A TCP port on 127.0.0.1 that is open but speaks no HTTP or TLS (like Redis): it
    answers every connection with an error line and closes it."""

    def __init__(self) -> None:
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._listener.settimeout(0.1)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)

    @property
    def port(self) -> int:
        return int(self._listener.getsockname()[1])

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                connection, _ = self._listener.accept()
            except TimeoutError:
                continue
            with connection:
                connection.sendall(b"-ERR unknown command\r\n")

    def __enter__(self) -> AnswersAnything:
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._stop.set()
        self._thread.join()
        self._listener.close()


@pytest.fixture(name="file_server")
def file_server_fixture(tmp_path: Path) -> Iterator[FileServer]:
    """A FileServer over a fresh directory of the test."""
    root = tmp_path / "www"
    root.mkdir()
    with FileServer(root) as server:
        yield server
