"""Entity tags and the If-None-Match precondition (RFC 9110, sections 8.8.3 and 13.1.2)."""

from __future__ import annotations

import hashlib
import re

# One element of the list: an entity-tag, weak or strong, then a comma or the end. Empty
# elements (", ,") are allowed by the list syntax. etagc excludes DQUOTE but not the comma.
_ENTITY_TAG = re.compile(rb'[\s,]*(?:W/)?("[\x21\x23-\x7e\x80-\xff]*")\s*(?:,|$)')


def strong_etag(body: bytes) -> bytes:
    """A strong entity tag of the body: the same bytes always get the same tag, on any process."""
    return b'"' + hashlib.blake2b(body, digest_size=16).hexdigest().encode() + b'"'


def none_match(if_none_match: bytes, etag: bytes) -> bool:
    """Whether If-None-Match fails for a representation with `etag`, i.e. the answer is 304.

    `*` matches any current representation; otherwise the listed tags are compared weakly
    (W/"x" matches "x"), as RFC 9110 requires for this header. Anything that does not parse
    matches nothing, so a malformed header costs a full response, never a wrong 304.
    """
    value = if_none_match.strip()
    if value == b"*":
        return True
    position = 0
    while position < len(value):
        found = _ENTITY_TAG.match(value, position)
        if found is None:
            return False
        if found.group(1) == etag:
            return True
        position = found.end()
    return False
