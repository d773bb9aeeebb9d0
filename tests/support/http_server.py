"""A local HTTP file server for testing http(s) sources, with a few misbehaviours on demand.

It serves a directory like any static web server (Content-Length, Last-Modified, no ETag,
Range ignored — a 200 with the whole file) on 127.0.0.1 and a free port, and also:

- `/moved/<path>`  → 302 to `/<path>` (redirects are followed);
- `/loop/<path>`   → 302 to itself (too many redirects);
- `/cut/<path>`    → announces the whole file but closes the connection half-way;
- `/bare/<path>`   → the file with its length only: no ETag, no Last-Modified;
- `/fail/<code>`   → answers with that status code.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest


class _Handler(SimpleHTTPRequestHandler):
    def do_GET(self) -> None:  # noqa: N802 - the http.server naming
        if self.path.startswith("/moved/"):
            self._redirect("/" + self.path.removeprefix("/moved/"))
        elif self.path.startswith("/loop/"):
            self._redirect(self.path)
        elif self.path.startswith("/cut/"):
            self._send_half(Path(self.directory) / self.path.removeprefix("/cut/"))
        elif self.path.startswith("/bare/"):
            self._send_bare(Path(self.directory) / self.path.removeprefix("/bare/"))
        elif self.path.startswith("/fail/"):
            self.send_error(int(self.path.removeprefix("/fail/")))
        else:
            super().do_GET()

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

    def _send_bare(self, path: Path) -> None:
        data = path.read_bytes()
        self.send_response(200)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - overridden name
        pass  # keep test output clean


class FileServer:
    """Serves `directory` over HTTP on 127.0.0.1 from a background thread."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self._server = ThreadingHTTPServer(
            ("127.0.0.1", 0), partial(_Handler, directory=str(directory))
        )
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    def url(self, path: str) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}/{path}"

    def __enter__(self) -> FileServer:
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join()


@pytest.fixture(name="file_server")
def file_server_fixture(tmp_path: Path) -> Iterator[FileServer]:
    """A FileServer over a fresh directory of the test."""
    root = tmp_path / "www"
    root.mkdir()
    with FileServer(root) as server:
        yield server
