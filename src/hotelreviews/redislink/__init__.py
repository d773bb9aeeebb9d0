"""Redis plumbing shared by the response cache, the rate limits and token revocation: a
fail-fast client, the errors a failed call raises, a circuit breaker, and a pub/sub
subscription kept alive whatever Redis does.

Redis is an accelerator everywhere it is used, never a dependency: what to do when it is away
(and what to count) is each user's business, so nothing here depends on caches, metrics or
tokens. It imports no other hotelreviews package.
"""
