"""Every Prometheus metric the platform exports, defined in one place.

Names and labels are a contract with deploy/monitoring/ (recording rules, alerts, dashboards):
change one, change both. Label values are always from small fixed sets or route templates —
never raw paths, ids or user input.

Several server workers share their values through prometheus-client's multiprocess mode
(observability.exposition): counters and histograms add up over every process that ever ran
in the serve run; each gauge says how its processes' values combine (`multiprocess_mode`).
Outside multiprocess mode the mode is ignored.
"""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram, disable_created_metrics

# No <name>_created series: multiprocess mode has none, and a scrape should read the same
# whether one process or several serve it. Must run before the metrics below are made.
disable_created_metrics()

# Resolve the 200 ms latency objective exactly: 0.2 is a bucket boundary.
HTTP_LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.2, 0.3, 0.5, 1.0, 2.5, 5.0, 10.0)
# Queries: finer at the bottom (most take well under a millisecond), 0.2 s for the objective.
QUERY_LATENCY_BUCKETS = (
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.2, 0.5, 1.0, 2.5, 5.0, 10.0
)  # fmt: skip
# An ingestion batch (thousands of lines in one transaction) takes from ms to many seconds.
BATCH_DURATION_BUCKETS = (0.01, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0)

# ---- HTTP ---------------------------------------------------------------------------------

# One histogram for HTTP traffic: its _count is the request counter (availability SLI:
# status_class="5xx" over all), its le="0.2" bucket the latency SLI.
# route: the route template ("/api/v1/hotels/{hotel_id}"), "unmatched" when no route matched.
# method: GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS, else "other".
# status_class: "1xx" … "5xx".
HTTP_REQUEST_DURATION = Histogram(
    "hotelreviews_http_request_duration_seconds",
    "Time from receiving a request to sending the end of its response.",
    ["route", "method", "status_class"],
    buckets=HTTP_LATENCY_BUCKETS,
)

# ---- build --------------------------------------------------------------------------------

# Always 1; the labels are the information. Every worker sets the same series: livemax.
BUILD_INFO = Gauge(
    "hotelreviews_build_info",
    "The running version (value 1; the labels carry the information).",
    ["version", "python_version", "region"],
    multiprocess_mode="livemax",
)

# ---- databases (routing) ------------------------------------------------------------------

# target: "primary" or "replica" (all replicas of a process together); state: in_use|idle.
# Each worker has its own pools: the instance's connections are their sum (livesum).
DB_POOL_CONNECTIONS = Gauge(
    "hotelreviews_db_pool_connections",
    "Open pooled database connections, in use or idle, by target.",
    ["target", "state"],
    multiprocess_mode="livesum",
)
# From the driver's cursor execute to its return: network and server time, not pool waits.
DB_QUERY_DURATION = Histogram(
    "hotelreviews_db_query_duration_seconds",
    "Time of one database statement, by target.",
    ["target"],
    buckets=QUERY_LATENCY_BUCKETS,
)
# replica: its position in HOTELREVIEWS_DATABASE_REPLICA_URLS, "1", "2"… (never its URL: URLs
# carry passwords). Measured on the replica at each health check, by every worker: the worst
# (livemax) counts. NaN while unknown (the check failed: see hotelreviews_replica_up).
REPLICA_LAG_SECONDS = Gauge(
    "hotelreviews_replica_lag_seconds",
    "Replay lag of a read replica in seconds (0 when it has replayed all it received).",
    ["replica"],
    multiprocess_mode="livemax",
)
REPLICA_LAG_BYTES = Gauge(
    "hotelreviews_replica_lag_bytes",
    "WAL a read replica has received but not replayed yet, in bytes.",
    ["replica"],
    multiprocess_mode="livemax",
)
# 1 while the last check found the replica usable (reachable, replaying, lag within bound);
# up only if every worker finds it so (livemin).
REPLICA_UP = Gauge(
    "hotelreviews_replica_up",
    "Whether a read replica is in use for reads (1) or skipped (0).",
    ["replica"],
    multiprocess_mode="livemin",
)

# ---- response cache -----------------------------------------------------------------------

# outcome: "hit" (answered from the cache, this process's memory, Redis or another request's
# fill) or "miss" (ran the application). Requests the cache does not consider (credentials,
# writes, paths outside the API) are neither.
CACHE_LOOKUPS = Counter(
    "hotelreviews_cache_lookups_total",
    "Response cache look-ups by outcome.",
    ["outcome"],
)
CACHE_HITS = CACHE_LOOKUPS.labels(outcome="hit")
CACHE_MISSES = CACHE_LOOKUPS.labels(outcome="miss")
CACHE_ERRORS = Counter(
    "hotelreviews_cache_errors_total",
    "Failed Redis calls (reads, writes, publishes, the invalidation subscription).",
)
CACHE_SINGLEFLIGHT_WAITS = Counter(
    "hotelreviews_cache_singleflight_waits_total",
    "Cache misses that waited for another request filling the same entry.",
)

# ---- abuse protection ---------------------------------------------------------------------

# rule: "default", "search", "login" (per client address) or "identity" (per user or key).
RATE_LIMIT_REJECTIONS = Counter(
    "hotelreviews_rate_limit_rejections_total",
    "Requests refused with 429 by a rate limit, by rule.",
    ["rule"],
)

# ---- review intelligence ------------------------------------------------------------------

# Counted once per alert, when it is first stored (intelligence.alerts.service.record_alerts).
# kind: the four fixed kinds of intelligence.alerts.tables.ALERT_KINDS.
ALERTS_RAISED = Counter(
    "hotelreviews_alerts_raised_total",
    "Alerts raised on hotels (rating drops, volume bursts, aspect deterioration, "
    "suspicious duplicates), by kind.",
    ["kind"],
)
# status: the state people moved an alert to (open, acknowledged, resolved). Counted when the
# change commits; a request setting the state the alert already has is not a change.
ALERT_STATUS_CHANGES = Counter(
    "hotelreviews_alert_status_changes_total",
    "Alerts acknowledged, resolved or opened again by people, by the state set.",
    ["status"],
)

# ---- ingestion ----------------------------------------------------------------------------

# Counted when a batch commits (a batch rolled back and retried is counted once).
# outcome: "stored" (a new review, or a new version of one), "unchanged" (the same content
# again), "rejected" (not a valid review; by reason below), "blank" (skipped, not an error).
# Lines per second: sum(rate(hotelreviews_ingest_lines_total[5m])).
INGEST_LINE_OUTCOMES = ("stored", "unchanged", "rejected", "blank")
INGEST_LINES = Counter(
    "hotelreviews_ingest_lines_total",
    "Lines of provider files ingested, by outcome.",
    ["outcome"],
)
# reason: the fixed rejection codes of ingestion.shapes.records.RejectReason.
INGEST_REJECTED_LINES = Counter(
    "hotelreviews_ingest_rejected_lines_total",
    "Rejected lines of provider files, by reason.",
    ["reason"],
)
# outcome: "ingested", "skipped" (its content was ingested already) or "failed".
INGEST_FILES = Counter(
    "hotelreviews_ingest_files_total",
    "Provider files (or URIs) processed, by outcome.",
    ["outcome"],
)
INGEST_BATCH_DURATION = Histogram(
    "hotelreviews_ingest_batch_duration_seconds",
    "Time to write and commit one batch of parsed lines (retries included).",
    buckets=BATCH_DURATION_BUCKETS,
)

# ---- the job queue (the worker) -----------------------------------------------------------

# Read from the database by the worker (ingestion.queue.metrics), so every worker reports the same
# queue: aggregate over instances with max(), not sum().
# state: queued, running, retrying, succeeded, dead.
JOBS = Gauge(
    "hotelreviews_jobs",
    "Ingestion jobs in the queue table, by state.",
    ["state"],
    multiprocess_mode="livemax",
)
# How long the job due longest has waited to be taken (0 when none is due).
JOBS_OLDEST_QUEUED_AGE = Gauge(
    "hotelreviews_jobs_oldest_queued_age_seconds",
    "Seconds the longest-waiting due job (queued, or retrying and due) has waited.",
    multiprocess_mode="livemax",
)
JOBS_DEAD_LETTERED = Counter(
    "hotelreviews_jobs_dead_lettered_total",
    "Jobs this worker gave up on (dead: unreadable source, or out of attempts).",
)
