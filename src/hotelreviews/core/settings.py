"""Typed configuration from the environment (12-factor), validated once at start-up."""

from __future__ import annotations

import ipaddress
import json
import re
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Any, Literal

import limits
from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

EMBEDDED_DATABASE_NAME = "hotelreviews.sqlite3"
# Expensive requests a process runs at once unless told otherwise (expensive_request_slots).
DEFAULT_EXPENSIVE_SLOTS = 4


class Settings(BaseSettings):
    """Every setting is `HOTELREVIEWS_<NAME>`; secrets may also come from `<NAME>_FILE`."""

    model_config = SettingsConfigDict(env_prefix="HOTELREVIEWS_", extra="ignore")

    environment: Literal["development", "test", "production"] = "development"
    data_dir: Path = Path("var")
    # A SecretStr because PostgreSQL URLs carry passwords; None means the embedded SQLite file.
    database_url: SecretStr | None = None
    database_url_file: Path | None = None
    database_pool_size: int = Field(default=20, ge=1, le=200)
    ingest_batch_size: int = Field(default=5000, ge=1, le=100_000)
    # Remote sources (ingestion/sources/remote.py). Credentials come from boto3's standard chain
    # (environment, shared config/credentials files, container or instance role), never from
    # here. The endpoint is for S3-compatible stores (MinIO, Ceph, moto…); unset, boto3's own
    # AWS_ENDPOINT_URL or AWS applies. The region: unset, boto3's (AWS_REGION, ~/.aws/config).
    s3_endpoint_url: str | None = None
    s3_region: str | None = None
    # Disaster recovery on RDS (`hotelreviews dr rds`, hotelreviews.dr.rds). The endpoint
    # serves RDS, CloudWatch and SSM (moto, LocalStack); unset, AWS itself — refused when
    # HOTELREVIEWS_ENVIRONMENT=test, so a test can never reach a real account. The database is
    # the instance named rds_instance_identifier in every one of rds_regions (RDS identifiers
    # are per region): one primary, cross-region read replicas elsewhere. The apps read the
    # writer's address ("host:port") in their own region from the writer endpoint store: the
    # SSM parameter named writer_endpoint_parameter, or (writer_endpoint_store =
    # "secretsmanager") the secret named writer_endpoint_secret (dr.rds.writer_store).
    aws_endpoint_url: str | None = None
    rds_regions: Annotated[list[str], NoDecode] = Field(
        default_factory=lambda: ["us-east-1", "eu-west-1", "ap-southeast-1"], min_length=1
    )
    rds_instance_identifier: str = Field(default="hotelreviews", min_length=1, max_length=63)
    writer_endpoint_store: Literal["ssm", "secretsmanager"] = "ssm"
    writer_endpoint_parameter: str = Field(
        default="/hotelreviews/writer-endpoint", min_length=1, max_length=2048
    )
    # Secrets Manager's limit on a secret's name is 512 characters.
    writer_endpoint_secret: str = Field(
        default="hotelreviews/writer-endpoint", min_length=1, max_length=512
    )
    # Set, the API and the worker re-read the store (rds_regions' copy for `region`, else the
    # first region's) this often and send new writes to the address it names
    # (dr.rds.writer_follow).
    writer_endpoint_poll_seconds: float | None = Field(default=None, gt=0)
    # Read timeout (silence between bytes) for S3 and http(s) sources; connecting has its own.
    remote_timeout_seconds: float = Field(default=60.0, gt=0)
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    # The ingestion worker (`hotelreviews worker`, hotelreviews.ingestion.queue). Sources it
    # polls: local folders and s3://bucket/prefix/ URIs, a JSON list or separated by commas.
    worker_sources: Annotated[list[str], NoDecode] = Field(default_factory=list)
    worker_poll_seconds: float = Field(default=10.0, gt=0)
    # A local file is queued once it has not changed for this long (it may still be written).
    worker_settle_seconds: float = Field(default=5.0, ge=0)
    # A job's lease: renewed every heartbeat; a worker silent for a whole lease loses the job.
    worker_lease_seconds: float = Field(default=30.0, gt=0)
    worker_heartbeat_seconds: float = Field(default=10.0, gt=0)
    worker_max_attempts: int = Field(default=5, ge=1, le=100)
    # Retries wait base * 2^(attempt - 1), at most the max, less up to half of it (jitter).
    worker_backoff_base_seconds: float = Field(default=5.0, gt=0)
    worker_backoff_max_seconds: float = Field(default=600.0, gt=0)
    # The shared response cache in front of the API (see hotelreviews.cache).
    cache_enabled: bool = True
    cache_max_entries: int = Field(default=10_000, ge=1)
    cache_max_bytes: int = Field(default=64 * 1024 * 1024, ge=1)
    # Larger bodies are served but not stored: one huge page must not evict thousands of entries.
    cache_max_entry_bytes: int = Field(default=1024 * 1024, ge=1)
    # How long an entry lives in this process; the data version, not this, keeps entries fresh.
    cache_ttl_seconds: float = Field(default=60.0, gt=0)
    # What clients and CDNs are told (Cache-Control max-age); bounds their staleness.
    cache_max_age_seconds: int = Field(default=5, ge=0)
    # How often each process reads the data versions from the database. At most 1 s: with
    # Redis down (or an invalidation message lost) this poll alone bounds how long a process
    # can serve a response older than a committed ingest (docs/caching.md).
    cache_version_poll_seconds: float = Field(default=0.5, gt=0, le=1.0)
    # Redis behind the response cache: a second level shared by every process, and the
    # channel that tells them about each committed ingest at once. None: in-process only.
    redis_url: SecretStr | None = None
    redis_url_file: Path | None = None
    # Prefix of every key and channel name: one per database (and per deployment).
    redis_key_prefix: str = Field(default="hotelreviews:", min_length=1, max_length=100)
    # Connect and read timeout of each Redis call: a Redis hiccup costs a request at most this.
    redis_timeout_seconds: float = Field(default=0.1, gt=0, le=10)
    # Abuse protection (hotelreviews.protection; docs/security.md). Proxies whose
    # X-Forwarded-For/-Proto are believed: CIDRs, a JSON list or separated by commas.
    trusted_proxies: Annotated[list[str], NoDecode] = Field(default_factory=list)
    max_url_bytes: int = Field(default=8 * 1024, ge=256)
    max_header_bytes: int = Field(default=16 * 1024, ge=1024)
    max_body_bytes: int = Field(default=1024 * 1024, ge=1024)
    # Rate limits per client IP ("<count>/<second|minute|hour|day>", the `limits` notation);
    # each request counts against the first rule that matches it.
    rate_limit_enabled: bool = True
    rate_limit_default: str = "600/minute"
    rate_limit_search: str = "60/minute"
    rate_limit_login: str = "10/minute"
    # Per identity (request.state.identity), on the routes that depend on it.
    rate_limit_identity: str = "1200/minute"
    hsts_max_age_seconds: int = Field(default=365 * 86_400, ge=0)
    # CORS: off (no headers, preflights refused) unless origins are listed.
    cors_allow_origins: Annotated[list[str], NoDecode] = Field(default_factory=list)
    cors_allow_credentials: bool = False
    # Streaming read replicas of the PostgreSQL primary (hotelreviews.routing), the region's
    # own first: a JSON list, or URLs separated by commas or whitespace; from the _FILE, one
    # per line. Reads go to the first usable one, writes (and reads no replica can serve) to
    # database_url.
    database_replica_urls: Annotated[list[SecretStr], NoDecode] = Field(default_factory=list)
    database_replica_urls_file: Path | None = None
    region: str = Field(default="local", pattern=r"^[a-z0-9][a-z0-9-]{0,62}$")
    # How this process names itself to PostgreSQL (application_name): operators (and
    # `hotelreviews dr status`) see which process is connected to which server. None:
    # "hotelreviews-<region>".
    application_name: str | None = Field(
        default=None, pattern=r"^[A-Za-z0-9@._-]{1,63}$", max_length=63
    )
    # A replica lagging more than this (measured on the replica) is skipped until it catches up.
    replica_max_lag_seconds: float = Field(default=10.0, gt=0)
    replica_check_interval_seconds: float = Field(default=1.0, gt=0)
    # How long a read presenting a consistency token may wait for a replica to replay it
    # before the primary serves it instead.
    consistency_wait_seconds: float = Field(default=0.2, ge=0, le=10)
    # Authentication (hotelreviews.security). Access tokens are JWTs signed with the pinned
    # algorithm: HS256 with jwt_secret, or EdDSA/RS256 with a PEM private key (the public key
    # is derived from it). Unset outside production, a key is generated once in data_dir.
    jwt_algorithm: Literal["HS256", "EdDSA", "RS256"] = "HS256"
    jwt_secret: SecretStr | None = None
    jwt_secret_file: Path | None = None
    jwt_private_key: SecretStr | None = None
    jwt_private_key_file: Path | None = None
    jwt_issuer: str = Field(default="hotelreviews", min_length=1, max_length=200)
    jwt_audience: str = Field(default="hotelreviews-api", min_length=1, max_length=200)
    access_token_ttl_seconds: int = Field(default=900, ge=10, le=86_400)
    refresh_token_ttl_seconds: int = Field(default=30 * 86_400, ge=60, le=365 * 86_400)
    # Hotel, review, search and provider reads without credentials.
    anonymous_reads: bool = True
    # Failed logins per user name (security/lockout.py): the first few are free; each further
    # one makes the name wait base, 2·base, 4·base… seconds (0 turns the backoff off); the
    # threshold-th within the window locks it for a window, each further lockout before a
    # successful login twice as long, at most the max.
    login_lockout_threshold: int = Field(default=5, ge=1, le=1000)
    login_lockout_window_seconds: float = Field(default=900.0, gt=0)
    login_lockout_max_seconds: float = Field(default=86_400.0, gt=0)
    login_backoff_free_failures: int = Field(default=2, ge=0, le=1000)
    login_backoff_base_seconds: float = Field(default=1.0, ge=0, le=3600)
    # Observability (hotelreviews.observability; docs/observability.md).
    # /metrics in Prometheus format. Several server workers share their values through
    # prometheus-client's multiprocess mode (PROMETHEUS_MULTIPROC_DIR, set up by `serve`).
    metrics_enabled: bool = True
    # When set, /metrics answers only requests carrying "Authorization: Bearer <token>".
    metrics_bearer_token: SecretStr | None = None
    metrics_bearer_token_file: Path | None = None
    # `hotelreviews worker` serves its own /metrics on this port (None: it serves none).
    worker_metrics_port: int | None = Field(default=None, ge=1, le=65535)
    # OpenTelemetry traces, exported over OTLP/HTTP when an endpoint is configured (here or
    # through the standard OTEL_EXPORTER_OTLP_ENDPOINT); without one, tracing is a no-op.
    otlp_endpoint: str | None = None
    # The share of new traces kept (a caller's sampled trace is always followed; send a
    # sampled traceparent to trace a request on purpose). One in a hundred: at the platform's
    # request rates that is still thousands of traces a second, and a traced request costs a
    # cached one several times its own time (docs/benchmarks.md, "Telemetry overhead").
    trace_sample_ratio: float = Field(default=0.01, ge=0.0, le=1.0)
    service_name: str = Field(default="hotelreviews", min_length=1, max_length=100)
    # Logs: JSON lines (production) or a readable console; None picks by environment.
    log_format: Literal["json", "console"] | None = None
    # The one log line per request is buffered and written at least this often (and before
    # any other line); 0 writes each at once. A line per request is a system call each
    # otherwise, the largest part of its cost (docs/benchmarks.md, "Telemetry overhead").
    request_log_flush_seconds: float = Field(default=1.0, ge=0, le=60)
    # Backups (`hotelreviews backup`; docs/operations.md): `backup create` and `backup prune`
    # remove backups older than this, never the newest complete one, and the archived WAL
    # that only they needed.
    backup_retention_days: int = Field(default=30, ge=0, le=36_500)

    # ---- Untrusted edges (docs/security.md). One block per control; each keeps its own
    # fields, validators and properties together. ----

    # [remote sources] Which http(s) hosts and S3 buckets sources may come from, and which
    # addresses they may resolve to (ingestion/sources/egress.py).
    # http(s) hosts sources may come from: names, *.example.com (its subdomains) or * (any
    # host). Empty by default: no http(s) source is accepted until the operator names hosts.
    source_allowed_hosts: Annotated[list[str], NoDecode] = Field(default_factory=list)
    # Non-public networks (CIDRs) a source host may still resolve to, e.g. an internal feed
    # server. Empty by default: loopback, private, link-local (cloud metadata)… are refused.
    source_allowed_networks: Annotated[list[str], NoDecode] = Field(default_factory=list)
    # S3 buckets (bucket) or folders (bucket/prefix/) sources may come from, * for any; the
    # s3:// sources in worker_sources are always allowed. Empty by default: only those.
    source_allowed_s3: Annotated[list[str], NoDecode] = Field(default_factory=list)
    # Connecting to an http(s) source or S3 (TLS handshake included); reads wait at most
    # remote_timeout_seconds each. 10 s: a reachable server answers well within it.
    source_connect_timeout_seconds: float = Field(default=10.0, gt=0)

    @field_validator(
        "source_allowed_hosts", "source_allowed_networks", "source_allowed_s3", mode="before"
    )
    @classmethod
    def _split_source_lists(cls, value: Any) -> Any:
        return split_urls(value) if isinstance(value, str) else value

    @field_validator("source_allowed_hosts")
    @classmethod
    def _check_source_hosts(cls, value: list[str]) -> list[str]:
        # A DNS name (its last label not a number), *.name, * or an IP address.
        label = r"[a-z0-9_]([a-z0-9_-]*[a-z0-9_])?"
        name = re.compile(rf"^(\*\.)?({label}\.)*(?![0-9]+\.?$|0x[0-9a-f]*\.?$){label}\.?$")
        for host in value:
            text = host.strip().lower()
            try:
                ipaddress.ip_address(text.removeprefix("[").removesuffix("]"))
                continue
            except ValueError:
                pass
            if text != "*" and not name.match(text):
                raise ValueError(
                    f"HOTELREVIEWS_SOURCE_ALLOWED_HOSTS: {host!r} is not a host name, "
                    "*.domain, * or an IP address (no scheme, port or path)"
                )
        return value

    @field_validator("source_allowed_networks")
    @classmethod
    def _check_source_networks(cls, value: list[str]) -> list[str]:
        return check_networks(value, variable="SOURCE_ALLOWED_NETWORKS", example="10.20.0.0/16")

    @field_validator("source_allowed_s3")
    @classmethod
    def _check_source_s3(cls, value: list[str]) -> list[str]:
        pattern = re.compile(r"^(s3://)?(\*|[a-z0-9][a-z0-9.-]{1,61}[a-z0-9])(/.*)?$")
        for entry in value:
            if not pattern.match(entry):
                raise ValueError(
                    f"HOTELREVIEWS_SOURCE_ALLOWED_S3: {entry!r} is not a bucket, "
                    "bucket/prefix/ or *"
                )
        return value

    # (end of remote sources)

    # [source limits] What one source may cost: bytes, wall time, rejected lines stored.
    # Bytes a source may hold, counted as stored and again uncompressed (a gzip bomb stops
    # here): past it the source ends with a clear reason, its committed batches kept.
    source_max_bytes: int = Field(default=16 * 1024**3, ge=1024)
    # Wall time one source may take, every pass over it included (a drip-fed body ends here).
    source_max_seconds: float = Field(default=3600.0, gt=0)
    # Rejected lines stored with their excerpts per source; the rest are only counted. A
    # thousand shows what is wrong with a feed; 200,000 rows would only fill the store.
    source_max_stored_rejections: int = Field(default=1000, ge=0)

    # (end of source limits)

    # [uploads] Files uploaded through POST /api/v1/uploads (ingestion.uploads;
    # docs/ingestion.md). The most bytes one upload may hold, as sent: the edge refuses a
    # larger declared Content-Length before reading a byte. 2 GiB: far above any daily feed,
    # and a larger file is better put in S3 and queued by its s3:// URI.
    upload_max_bytes: int = Field(default=2 * 1024**3, ge=1024)
    # Where uploads are stored: s3://bucket/prefix/ (a bucket the worker may read:
    # HOTELREVIEWS_SOURCE_ALLOWED_S3 or a polled s3:// source), or unset: the `.uploads` folder
    # inside the first local folder of HOTELREVIEWS_WORKER_SOURCES (`make run`'s inbox).
    upload_s3_uri: str | None = Field(
        default=None, pattern=r"^s3://[a-z0-9][a-z0-9.-]{1,61}[a-z0-9](/[!-~]*)?$"
    )
    # (end of uploads)

    # [database protection] Statement timeouts, bounded search cost, expensive-request
    # concurrency.
    # How long one statement of an API read may run (0: unbounded); past it the read answers
    # 503 query_timeout. A few seconds: every legitimate read takes milliseconds, and a pooled
    # connection held longer is one the other clients wait for.
    read_statement_timeout_seconds: float = Field(default=5.0, ge=0, le=3600)
    # Words a search may hold, those in phrases and exclusions included; beyond, 422. Twelve:
    # real searches hold a few, while each word is a posting list the database must merge.
    search_max_words: int = Field(default=12, ge=1, le=100)
    # include_total counts at most this many rows; beyond, the total is this, flagged as a
    # lower bound (total_exact: false). Counting every match of a broad search is the cost.
    total_count_limit: int = Field(default=10_000, ge=1, le=10_000_000)
    # Expensive requests (search, include_total) one client address may have running at once;
    # beyond, 429. Two: a person's browser rarely runs more; a scraper must queue.
    expensive_requests_per_client: int = Field(default=2, ge=1, le=1000)
    # Expensive requests one process runs at once, whoever sends them; beyond, 503. None: 4,
    # or half of HOTELREVIEWS_DATABASE_POOL_SIZE if that is less — half the pool so that cheap
    # reads always find a pooled connection, 4 because a broad search takes a database core
    # for seconds (docs/benchmarks.md, bench/abuse.py): size it to the database's cores
    # divided by the API processes in front of it.
    expensive_requests_per_process: int | None = Field(default=None, ge=1, le=1000)

    @property
    def expensive_request_slots(self) -> int:
        """Expensive requests one process runs at once (at least one)."""
        if self.expensive_requests_per_process is not None:
            return self.expensive_requests_per_process
        return max(1, min(DEFAULT_EXPENSIVE_SLOTS, self.database_pool_size // 2))

    # (end of database protection)

    # [request edges] Host names, validation errors, small bodies where small is enough.
    # Host names the API answers to (the Host header, port ignored; protection/hosts.py): a
    # JSON list or separated by commas; "*.example.com" any subdomain, "*" any host. Loopback
    # only by default, like a development server: a deployment names its own (docs/security.md).
    allowed_hosts: Annotated[list[str], NoDecode] = Field(
        default_factory=lambda: ["localhost", "127.0.0.1", "[::1]"], min_length=1
    )

    @field_validator("allowed_hosts", mode="before")
    @classmethod
    def _split_allowed_hosts(cls, value: Any) -> Any:
        return split_urls(value) if isinstance(value, str) else value

    @field_validator("allowed_hosts")
    @classmethod
    def _check_allowed_hosts(cls, value: list[str]) -> list[str]:
        """Each a host name, IPv4 address, [IPv6] address, *.domain or *; lower case, IPv6
        bracketed and compressed, as protection/hosts.py compares them."""
        patterns = []
        for entry in value:
            pattern = entry.strip().lower().removesuffix(".")
            try:
                address = ipaddress.IPv6Address(pattern.removeprefix("[").removesuffix("]"))
            except ValueError:
                name = pattern.removeprefix("*.")
                if pattern != "*" and not re.fullmatch(r"([a-z0-9_-]+\.)*[a-z0-9_-]+", name):
                    raise ValueError(
                        f"HOTELREVIEWS_ALLOWED_HOSTS: {entry!r} is not a host name: give "
                        "names only, without scheme, port or path (api.example.com, "
                        "*.example.com for its subdomains, [::1], or * for any)"
                    ) from None
            else:
                pattern = f"[{address.compressed}]"
            patterns.append(pattern)
        return patterns

    # Bodies of /api/v1/auth/* (a user name and password, or a token: well under 1 KiB), so
    # that the credential routes, open to anyone, never parse more; max_body_bytes is the rest.
    max_auth_body_bytes: int = Field(default=4 * 1024, ge=256)
    # Field errors a 422 problem lists (the rest are counted in error_count): bounds the answer
    # to a body of thousands of bad fields; 20 name every field of every request we accept.
    max_validation_errors: int = Field(default=20, ge=1, le=1000)
    # (end of request edges)

    # [identity] Login throttling by name and address, immediate token revocation.
    # The login_lockout_*/login_backoff_* rules above count failures per (name, client
    # address). Across every address, a name has this many free failures per lockout window
    # (distributed guessing; far above what one person mistypes)…
    login_name_throttle_free_failures: int = Field(default=50, ge=1, le=100_000)
    # …then waits 1 s, 2 s, 4 s… up to this before each attempt, never a lockout: the owner,
    # who shares the wait, is slowed at worst, never locked out by strangers.
    login_name_throttle_max_seconds: float = Field(default=60.0, gt=0, le=3600)
    # How long a process trusts its copy of a user's token version: the bound on how long a
    # revoked access token still works on a process that gets no Redis message (1 s: the
    # promise; a cached check is a dict look-up, a miss one primary-key read per user).
    token_version_cache_seconds: float = Field(default=1.0, gt=0, le=60)

    # (end of identity)

    # [events] The event outbox and GET /api/v1/events (hotelreviews.events; docs/events.md).
    # How long events are kept for replay (Last-Event-ID); older ones are pruned by writers.
    events_retention_hours: float = Field(default=7 * 24, gt=0, le=24 * 366)
    # Events one streaming client may have waiting; past it the client is told to reconnect
    # with its last id (it loses nothing: it resumes from the table) and its stream ends.
    events_client_buffer: int = Field(default=1000, ge=1, le=100_000)
    # Streams one process serves at once; beyond, 503 event_streams_busy.
    events_max_streams: int = Field(default=200, ge=1, le=100_000)
    # How often a process with streaming clients reads new events from the table when no
    # Redis subscription tells it (the worker's events, in the embedded setup)…
    events_poll_seconds: float = Field(default=1.0, gt=0, le=3600)
    # …and while one does (a backstop for notices lost in transit).
    events_poll_seconds_subscribed: float = Field(default=15.0, gt=0, le=3600)
    # A comment line on an idle stream this often, so proxies and clients keep it open.
    events_heartbeat_seconds: float = Field(default=15.0, gt=0, le=600)
    # The reconnection delay streams advise (the SSE `retry:` field).
    events_retry_milliseconds: int = Field(default=3000, ge=0, le=600_000)
    # How long `hotelreviews serve`, told to stop, waits for requests still running before it
    # cancels them. Event streams, which never end by themselves, are ended on the signal
    # (events.stopping); this bounds the rest, and any stream that missed it.
    shutdown_grace_seconds: float = Field(default=10.0, gt=0, le=3600)
    # (end of events)

    # [intelligence] The review-intelligence runner (hotelreviews.intelligence.runner;
    # docs/intelligence/runner.md): in `hotelreviews worker`, analyse, score and alert on each
    # batch of reviews as it commits.
    intelligence_enabled: bool = True
    # How often the runner looks for new events when no notice woke it (a backstop).
    intelligence_poll_seconds: float = Field(default=1.0, gt=0, le=3600)
    # Events (or hotels, when resynchronising) applied per transaction: a runner that fell
    # behind takes many batches at once, and recomputes each hotel once for all of them.
    intelligence_batch_events: int = Field(default=2000, ge=1, le=100_000)
    # Whether the API process (`hotelreviews serve`, each of its workers) runs the runner
    # itself: "auto" on the embedded database only, where `make run` starts no worker; with
    # PostgreSQL the workers run it (app.intelligence). Off when intelligence_enabled is.
    intelligence_in_server: Literal["auto", "true", "false"] = "auto"
    # (end of intelligence)

    # [web] The web pages (hotelreviews.web; docs/web.md). Where their npm packages are
    # installed (uPlot, served from there): unset, node_modules beside the package, where
    # `make run` installs them in a checkout; the image sets its own.
    web_node_modules: Path | None = None
    # (end of web)

    @model_validator(mode="after")
    def _read_secret_files(self) -> Settings:
        if self.database_url is None and self.database_url_file is not None:
            self.database_url = SecretStr(self.database_url_file.read_text().strip())
        if self.redis_url is None and self.redis_url_file is not None:
            self.redis_url = SecretStr(self.redis_url_file.read_text().strip())
        if self.jwt_secret is None and self.jwt_secret_file is not None:
            self.jwt_secret = SecretStr(self.jwt_secret_file.read_text().strip())
        if self.jwt_private_key is None and self.jwt_private_key_file is not None:
            self.jwt_private_key = SecretStr(self.jwt_private_key_file.read_text().strip())
        if self.metrics_bearer_token is None and self.metrics_bearer_token_file is not None:
            self.metrics_bearer_token = SecretStr(
                self.metrics_bearer_token_file.read_text().strip()
            )
        return self

    @field_validator("worker_sources", mode="before")
    @classmethod
    def _split_worker_sources(cls, value: Any) -> Any:
        if not isinstance(value, str):
            return value
        if value.strip().startswith("["):
            return json.loads(value)
        return [source.strip() for source in value.split(",") if source.strip()]

    @model_validator(mode="after")
    def _check_worker_timing(self) -> Settings:
        if self.worker_heartbeat_seconds >= self.worker_lease_seconds:
            raise ValueError(
                "HOTELREVIEWS_WORKER_HEARTBEAT_SECONDS must be shorter than "
                "HOTELREVIEWS_WORKER_LEASE_SECONDS (a third of it is usual)"
            )
        return self

    @field_validator("trusted_proxies", "cors_allow_origins", "rds_regions", mode="before")
    @classmethod
    def _split_lists(cls, value: Any) -> Any:
        return split_urls(value) if isinstance(value, str) else value

    @field_validator("trusted_proxies")
    @classmethod
    def _check_proxies(cls, value: list[str]) -> list[str]:
        return check_networks(value, variable="TRUSTED_PROXIES", example="10.0.0.0/8")

    @field_validator(
        "rate_limit_default", "rate_limit_search", "rate_limit_login", "rate_limit_identity"
    )
    @classmethod
    def _check_rate(cls, value: str) -> str:
        try:
            limits.parse(value)
        except ValueError:
            raise ValueError(
                f"{value!r} is not a rate limit: expected e.g. 600/minute, 10/second, 1000/hour"
            ) from None
        return value

    @field_validator("database_replica_urls", mode="before")
    @classmethod
    def _split_replica_urls(cls, value: Any) -> Any:
        return split_urls(value) if isinstance(value, str) else value

    @model_validator(mode="after")
    def _check_replicas(self) -> Settings:
        if not self.database_replica_urls and self.database_replica_urls_file is not None:
            text = self.database_replica_urls_file.read_text()
            lines = (line.strip() for line in text.splitlines())
            self.database_replica_urls = [
                SecretStr(line) for line in lines if line and not line.startswith("#")
            ]
        if self.database_replica_urls and self.is_embedded:
            raise ValueError(
                "HOTELREVIEWS_DATABASE_REPLICA_URLS is set but the database is the embedded "
                "SQLite file: replicas need a PostgreSQL primary (HOTELREVIEWS_DATABASE_URL)"
            )
        for number, url in enumerate(self.resolved_replica_urls, start=1):
            if not url.startswith("postgresql+asyncpg://"):
                raise ValueError(
                    f"replica URL number {number} is not a PostgreSQL URL "
                    "(expected postgresql://user:password@host:5432/database)"
                )
        return self

    @property
    def resolved_replica_urls(self) -> list[str]:
        """The replicas' SQLAlchemy async URLs, in the configured order."""
        return [
            normalize_database_url(url.get_secret_value()) for url in self.database_replica_urls
        ]

    @property
    def resolved_database_url(self) -> str:
        """The SQLAlchemy async URL to use; the embedded SQLite file when none is configured."""
        if self.database_url is not None:
            return normalize_database_url(self.database_url.get_secret_value())
        return f"sqlite+aiosqlite:///{(self.data_dir / EMBEDDED_DATABASE_NAME).resolve()}"

    @property
    def resolved_log_format(self) -> Literal["json", "console"]:
        if self.log_format is not None:
            return self.log_format
        return "json" if self.environment == "production" else "console"

    @property
    def is_embedded(self) -> bool:
        return self.resolved_database_url.startswith("sqlite")

    @property
    def intelligence_runs_in_server(self) -> bool:
        """Whether the API process runs the review-intelligence runner (see the setting)."""
        if not self.intelligence_enabled or self.intelligence_in_server == "false":
            return False
        return self.intelligence_in_server == "true" or self.is_embedded


def normalize_database_url(url: str) -> str:
    """Accept the usual spellings (postgres://, sqlite:///...) and pick the async drivers."""
    for prefix in ("postgres://", "postgresql://", "postgresql+psycopg://"):
        if url.startswith(prefix):
            return "postgresql+asyncpg://" + url[len(prefix) :]
    if url.startswith("sqlite:///"):
        return "sqlite+aiosqlite:///" + url[len("sqlite:///") :]
    return url


def check_networks(networks: list[str], *, variable: str, example: str) -> list[str]:
    """`networks` unchanged when each is an IP address or CIDR; else a ValueError naming the
    setting HOTELREVIEWS_<variable> and the bad entry."""
    for network in networks:
        try:
            ipaddress.ip_network(network, strict=False)
        except ValueError:
            raise ValueError(
                f"HOTELREVIEWS_{variable}: {network!r} is not an IP address or CIDR "
                f"(e.g. {example})"
            ) from None
    return networks


def split_urls(text: str) -> list[str]:
    """A JSON list of URLs, or URLs separated by commas or whitespace."""
    text = text.strip()
    if text.startswith("["):
        urls = json.loads(text)
        if not isinstance(urls, list) or not all(isinstance(url, str) for url in urls):
            raise ValueError("expected a JSON list of URL strings")
        return [url.strip() for url in urls if url.strip()]
    return [url for url in re.split(r"[\s,]+", text) if url]


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
