"""Every Prometheus metric the platform exports, defined in one place.

Names and labels are a contract with deploy/monitoring/ (recording rules, alerts, dashboards):
change one, change both. Label values are always from small fixed sets or route templates —
never raw paths, ids or user input.
"""

from __future__ import annotations

from prometheus_client import Histogram

# Resolve the 200 ms latency objective exactly: 0.2 is a bucket boundary.
HTTP_LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.2, 0.3, 0.5, 1.0, 2.5, 5.0, 10.0)

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
