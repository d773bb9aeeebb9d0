"""Abuse protection: the application's part of a WAF, as pure ASGI middlewares.

From the outside in (protection.wiring): the client's address (trusted proxies only), size
limits, CORS, rate limits, security headers; then the response cache and the application.
"""
