"""Logs for every entry point: structlog, JSON lines in production, a readable console else.

`configure_logging(settings)` is called by each entry point (the API's app factory, `serve`,
`worker`, `ingest`). Three paths end in the same format on the same stream:

- the one line per request (observability.requests, `RequestLog`) calls the renderer itself:
  no LogRecord, no processor chain, orjson for JSON — it runs on every request;
- structlog loggers go through the shared processors, straight to the stream;
- the standard library's records (our `logging.getLogger(...)` calls, uvicorn's, alembic's)
  go through one root handler whose structlog ProcessorFormatter renders them alike.

The last two add the current request's trace id and pass through `redact`, a safety net that
masks values under keys named like secrets or review text (the request line has fixed keys
and its own trace id). Free text is not inspected: messages themselves must never carry
secrets or review text.
"""

from __future__ import annotations

import atexit
import logging
import re
import sys
import threading
import time
from collections.abc import MutableMapping
from contextvars import ContextVar
from typing import Any, TextIO

import orjson
import structlog
from structlog.types import Processor

from hotelreviews.core.settings import Settings, get_settings

REDACTED = "[redacted]"
_HANDLER_NAME = "hotelreviews"  # our root handler's, replaced when configured again
# The trace id of the request being served (set by observability.requests), for every line
# logged while it is.
current_trace_id: ContextVar[str | None] = ContextVar("current_trace_id", default=None)

# Keys whose values are never logged: credentials of any kind, connection URLs (they carry
# passwords), and review text.
_SECRET_KEY = re.compile(
    r"password|passwd|secret|token|authorization|api_?key|cookie|credential|private_key"
    r"|(database|redis|replica)_urls?|dsn|^(review_)?text$|^body$",
    re.IGNORECASE,
)
_MAX_REMEMBERED_KEYS = 1000
# Buffered request lines are written at once past this many characters.
_REQUEST_LINES_BUFFER = 64 * 1024
# What a request entry counts towards that before it is rendered: about its line's length.
_REQUEST_ENTRY_SIZE = 256
_verdicts: dict[str, bool] = {}
_request_log: RequestLog | None = None


def configure_logging(settings: Settings, *, stream: TextIO | None = None) -> None:
    """Send every log line, ours and the libraries', to `stream` in the configured format.

    Without a stream, lines go to whatever sys.stderr is when they are written (so that
    test harnesses capturing stderr see them). Calling it again replaces the configuration.
    """
    global _request_log
    json = settings.resolved_log_format == "json"
    level = logging.getLevelNamesMapping()[settings.log_level]
    timestamp = UtcTimestamp()
    shared: list[Processor] = [
        structlog.processors.add_log_level,
        timestamp,
        add_trace_id,
        redact,
    ]
    renderer: Processor
    if json:
        renderer = structlog.processors.JSONRenderer(serializer=_json_line)
        shared.append(structlog.processors.format_exc_info)
    else:
        renderer = structlog.dev.ConsoleRenderer(
            colors=_is_terminal(stream or sys.stderr),
            # Not the default (rich) one: it prints every frame's local variables.
            exception_formatter=structlog.dev.plain_traceback,
        )
    structlog.configure(
        processors=[*shared, renderer],
        wrapper_class=structlog.make_filtering_bound_logger(level),
        logger_factory=_LineWriterFactory(stream),
        cache_logger_on_first_use=True,
    )
    if _request_log is not None:
        _request_log.flush()
    _request_log = RequestLog(
        # For JSON, structlog's renderer would only call the serializer: RequestLog calls
        # orjson itself (render=None).
        None if json else renderer,
        stream,
        timestamp=timestamp,
        enabled=level <= logging.INFO,
        flush_seconds=settings.request_log_flush_seconds,
    )
    handler = _StreamHandler(stream) if stream is not None else _StderrHandler()
    handler.setFormatter(
        structlog.stdlib.ProcessorFormatter(
            foreign_pre_chain=[structlog.stdlib.add_logger_name, *shared],
            processors=[structlog.stdlib.ProcessorFormatter.remove_processors_meta, renderer],
        )
    )
    handler.set_name(_HANDLER_NAME)
    root = logging.getLogger()
    # Only our earlier handler goes: others (a test harness's) keep receiving records.
    for previous in [h for h in root.handlers if h.get_name() == _HANDLER_NAME]:
        root.removeHandler(previous)
        previous.close()
    root.addHandler(handler)
    # The root stays at WARNING (the libraries' chatter); ours and uvicorn's at the setting
    # (uvicorn sets its own loggers' level from the one `serve` passes it).
    logging.getLogger("hotelreviews").setLevel(settings.log_level)


def request_logger() -> RequestLog:
    """The writer of the per-request lines, as configured now (configured from the
    environment if no entry point did)."""
    if _request_log is None:
        configure_logging(get_settings())
        assert _request_log is not None
    return _request_log


def flush_request_lines() -> None:
    """Write out the buffered request lines (before any other line, to keep the order)."""
    if _request_log is not None:
        _request_log.flush()


class RequestLog:
    """The one line per request (observability.requests), in the configured format: JSON
    (orjson, as `_json_line` renders) when it is given no renderer, else the renderer's.

    It runs on every request, so it skips a bound logger's per-call work (context copies,
    the processor chain): it stamps the level and time and renders the line itself. Its
    keys are fixed and free of secrets, and it carries its trace id: the redaction pass and
    the trace id look-up would only cost time.

    With `flush_seconds` > 0, lines are buffered and written together at least that often
    (and past 64 KB, before any other log line, and at exit), like nginx's buffered access
    log: one write per line is a system call per request, the largest part of the line's
    cost (docs/benchmarks.md). A process killed outright loses at most that much of them.
    Buffered request lines (`request`) are even rendered then, from the tuple kept per
    request: the line's fields, its time and its rendering cost the request itself nothing.
    """

    def __init__(
        self,
        render: Processor | None,
        stream: TextIO | None,
        *,
        timestamp: UtcTimestamp,
        enabled: bool,
        flush_seconds: float = 0.0,
    ) -> None:
        self._render = render
        self._stream = stream
        self._timestamp = timestamp
        self.enabled = enabled
        self._flush_seconds = flush_seconds
        # Lines, or request entries (`request`) still to be rendered.
        self._pending: list[str | tuple[Any, ...]] = []
        self._pending_size = 0
        self._lock = threading.Lock()
        self._flusher: threading.Thread | None = None

    def __call__(self, **fields: Any) -> None:
        if not self.enabled:
            return
        event = {"event": "request", **fields, "level": "info"}
        self._timestamp(None, "info", event)
        self._buffer(self._line(event))

    def request(
        self,
        method: str,
        route: str,
        status: int,
        seconds: float,
        client: str | None,
        identity: str | None,
        trace_id: str,
    ) -> None:
        """The request line of observability.requests, the same as `self(method=..., ...)`
        would write. Buffered, it is kept as a tuple and rendered when the buffer is written:
        a tuple costs a request a tenth of a rendered line."""
        if not self.enabled:
            return
        entry = (time.time_ns(), method, route, status, seconds, client, identity, trace_id)
        if self._flush_seconds <= 0:
            self._write_now(self._rendered(entry))
            return
        self._buffer(entry, _REQUEST_ENTRY_SIZE)

    def _line(self, event: dict[str, Any]) -> str:
        if self._render is None:  # JSON
            return orjson.dumps(event, default=str).decode()
        return self._render(None, "info", event)  # type: ignore[no-any-return]

    def _rendered(self, entry: str | tuple[Any, ...]) -> str:
        if isinstance(entry, str):
            return entry
        nanoseconds, method, route, status, seconds, client, identity, trace_id = entry
        event = {
            "event": "request",
            "method": method,
            "route": route,
            "status": status,
            "duration_ms": round(seconds * 1000, 3),
            "client": client,
            "identity": identity,
            "trace_id": trace_id,
            "level": "info",
            "timestamp": self._timestamp.at(nanoseconds),
        }
        return self._line(event)

    def _write_now(self, line: str) -> None:
        # sys.stderr is line buffered: the newline sends the line out.
        (self._stream or sys.stderr).write(f"{line}\n")

    def _buffer(self, entry: str | tuple[Any, ...], size: int | None = None) -> None:
        if self._flush_seconds <= 0:
            assert isinstance(entry, str)
            self._write_now(entry)
            return
        with self._lock:
            self._pending.append(entry)
            self._pending_size += len(entry) if size is None else size
            full = self._pending_size >= _REQUEST_LINES_BUFFER
            if self._flusher is None:
                self._start_flusher()
        if full:
            self.flush()

    def flush(self) -> None:
        with self._lock:  # held while writing: flushes from two threads keep their order
            if not self._pending:
                return
            entries, self._pending, self._pending_size = self._pending, [], 0
            stream = self._stream or sys.stderr
            stream.write("\n".join([self._rendered(entry) for entry in entries]) + "\n")
            stream.flush()

    def _start_flusher(self) -> None:
        def flush_now_and_then() -> None:
            # Until configure_logging replaces this writer (it flushes it then): tests and
            # reconfigured processes leave no thread behind per writer.
            while _request_log is self:
                time.sleep(self._flush_seconds)
                try:
                    self.flush()
                except Exception:  # a closed stream (at exit): nothing left to do
                    return

        self._flusher = threading.Thread(
            target=flush_now_and_then, name="request-log-flusher", daemon=True
        )
        self._flusher.start()
        atexit.register(self.flush)


class UtcTimestamp:
    """ISO 8601 UTC time with microseconds, like structlog's TimeStamper(fmt="iso",
    utc=True) at a fraction of its cost: the part up to the second is formatted once a second.
    """

    def __init__(self) -> None:
        self._second: tuple[int, str] = (-1, "")

    def __call__(self, _logger: Any, _method: str, event: MutableMapping[str, Any]) -> Any:
        event["timestamp"] = self.at(time.time_ns())
        return event

    def at(self, nanoseconds: int) -> str:
        """The timestamp of a time.time_ns() value."""
        second, micro = divmod(nanoseconds // 1000, 1_000_000)
        cached, prefix = self._second
        if second != cached:
            prefix = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(second))
            self._second = (second, prefix)  # one assignment: threads see a matching pair
        return f"{prefix}.{micro:06d}Z"


def add_trace_id(_logger: Any, _method: str, event: MutableMapping[str, Any]) -> Any:
    """The trace id of the request being served, if any (an explicit one is kept)."""
    if "trace_id" not in event:
        trace_id = current_trace_id.get()
        if trace_id is not None:
            event["trace_id"] = trace_id
    return event


def redact(_logger: Any, _method: str, event: MutableMapping[str, Any]) -> Any:
    """Mask the values of keys named like secrets or review text, one level deep too."""
    for key, value in event.items():
        if _is_secret(key):
            event[key] = REDACTED
        elif isinstance(value, dict):
            event[key] = {k: REDACTED if _is_secret(k) else v for k, v in value.items()}
    return event


def _is_secret(key: Any) -> bool:
    if not isinstance(key, str) or key == "event":
        return False
    verdict = _verdicts.get(key)
    if verdict is None:
        verdict = _SECRET_KEY.search(key) is not None
        # Keys are few and fixed in practice; bounded anyway (a dict's keys may be data).
        if len(_verdicts) >= _MAX_REMEMBERED_KEYS:
            _verdicts.clear()
        _verdicts[key] = verdict
    return verdict


def _json_line(event: Any, **_options: Any) -> str:
    return orjson.dumps(event, default=str).decode()


def _is_terminal(stream: TextIO) -> bool:
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty())


class _StreamHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """A stream handler that first writes out the request lines buffered before its record."""

    def emit(self, record: logging.LogRecord) -> None:
        flush_request_lines()
        super().emit(record)


class _StderrHandler(_StreamHandler):
    """A stream handler writing to sys.stderr as it is at each record, not as it was."""

    def __init__(self) -> None:
        logging.Handler.__init__(self)

    @property
    def stream(self) -> TextIO:  # type: ignore[override]
        return sys.stderr


class _LineWriter:
    """structlog's output: one write (and flush) per rendered line."""

    def __init__(self, stream: TextIO | None) -> None:
        self._stream = stream

    def msg(self, message: str) -> None:
        flush_request_lines()
        stream = self._stream or sys.stderr
        stream.write(message + "\n")
        stream.flush()

    log = debug = info = warning = warn = error = critical = exception = fatal = msg


class _LineWriterFactory:
    def __init__(self, stream: TextIO | None) -> None:
        self._stream = stream

    def __call__(self, *_args: Any) -> _LineWriter:
        return _LineWriter(self._stream)
