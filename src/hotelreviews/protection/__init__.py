"""Abuse protection: the application's part of a WAF, as checks in front of everything.

From the outside in (protection.wiring): the response headers, the client's address
(trusted proxies only), host names, size limits, CORS, rate limits; then the identity, the
response cache and the application. app.edge runs the checks as plain calls in one layer.
"""
