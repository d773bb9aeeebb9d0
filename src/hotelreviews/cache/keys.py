"""Cache keys: the same resource under the same data version gets the same key."""

from __future__ import annotations

from operator import itemgetter
from urllib.parse import parse_qsl, urlencode

_NAME = itemgetter(0)


def cache_key(*, path: str, query_string: bytes, tag: str) -> str:
    """Version tag (cache.versions), path and query, with parameters sorted by name
    (`?a=1&b=2` = `?b=2&a=1`).

    The query is decoded exactly as Starlette decodes it for the routes, then encoded again, so
    two requests share a key only when the application receives the same parameters. The sort
    is stable: repeated parameters (`?x=1&x=2`) keep their order, which can matter to a route.
    """
    if not query_string:
        return f"{tag}:{path}"
    pairs = parse_qsl(query_string.decode("latin-1"), keep_blank_values=True)
    pairs.sort(key=_NAME)
    return f"{tag}:{path}?{urlencode(pairs)}"
