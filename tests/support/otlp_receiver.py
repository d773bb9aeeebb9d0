"""A local OTLP/HTTP trace receiver: what an OpenTelemetry collector would be sent."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest


@dataclass
class ReceivedSpan:
    name: str
    service: str
    region: str
    trace_id: str
    parent_span_id: str
    span_id: str
    attributes: dict[str, object]


@dataclass
class OtlpReceiver:
    url: str  # the base URL, as HOTELREVIEWS_OTLP_ENDPOINT takes it
    paths: list[str] = field(default_factory=list)
    spans: list[ReceivedSpan] = field(default_factory=list)


@contextmanager
def otlp_receiver() -> Iterator[OtlpReceiver]:
    """Accept OTLP/HTTP protobuf exports on 127.0.0.1 and a free port, decoding the spans."""
    received = OtlpReceiver(url="")
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 - the http.server naming
            body = self.rfile.read(int(self.headers["Content-Length"]))
            request = ExportTraceServiceRequest.FromString(body)
            with lock:
                received.paths.append(self.path)
                received.spans.extend(_spans(request))
            self.send_response(200)
            self.send_header("Content-Type", "application/x-protobuf")
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *_: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    received.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield received
    finally:
        server.shutdown()
        server.server_close()


def _spans(request: ExportTraceServiceRequest) -> Iterator[ReceivedSpan]:
    for resource_spans in request.resource_spans:
        resource = {a.key: a.value.string_value for a in resource_spans.resource.attributes}
        for scope_spans in resource_spans.scope_spans:
            for span in scope_spans.spans:
                yield ReceivedSpan(
                    name=span.name,
                    service=resource.get("service.name", ""),
                    region=resource.get("cloud.region", ""),
                    trace_id=span.trace_id.hex(),
                    parent_span_id=span.parent_span_id.hex(),
                    span_id=span.span_id.hex(),
                    attributes={a.key: _value(a.value) for a in span.attributes},
                )


def _value(value: object) -> object:
    kind = value.WhichOneof("value")  # type: ignore[attr-defined]
    return getattr(value, kind) if kind else None
