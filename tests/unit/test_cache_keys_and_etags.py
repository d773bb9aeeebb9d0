"""Cache keys (normalised queries) and entity tags with the If-None-Match precondition."""

from __future__ import annotations

import pytest

from hotelreviews.cache.conditional import none_match, strong_etag
from hotelreviews.cache.keys import cache_key

TAG = b'"0123abcd"'


@pytest.mark.parametrize(
    "header",
    [
        b'"0123abcd"',
        b'  "0123abcd"  ',
        b'W/"0123abcd"',
        b'"other", "0123abcd"',
        b'"other",W/"0123abcd" , "third"',
        b', ,"0123abcd",',
        b"*",
        b" * ",
    ],
)
def test_if_none_match_that_names_the_current_tag_or_any_is_a_304(header: bytes) -> None:
    assert none_match(header, TAG)


@pytest.mark.parametrize(
    "header",
    [
        b'"other"',
        b'"0123abcd0"',
        b'"0123ABCD"',  # tags are case-sensitive
        b"0123abcd",  # not quoted: not an entity tag
        b'"a,b", "c"',  # commas inside a tag belong to it
        b'garbage "0123abcd"',  # a list that does not parse matches nothing
        b'w/"0123abcd"',  # the weak prefix is case-sensitive
        b'"*"',
        b'*, "0123abcd"',  # "*" stands alone or not at all
        b"",
    ],
)
def test_if_none_match_without_the_current_tag_is_a_full_response(header: bytes) -> None:
    assert not none_match(header, TAG)


def test_a_tag_containing_a_comma_is_compared_whole() -> None:
    assert none_match(b'"x", "a,b"', b'"a,b"')


def test_the_etag_is_a_quoted_hash_of_the_body_alone() -> None:
    tag = strong_etag(b'{"id":1}')
    assert tag == strong_etag(b'{"id":1}') != strong_etag(b'{"id":2}')
    assert tag.startswith(b'"') and tag.endswith(b'"') and len(tag) == 34
    assert none_match(tag, tag)


def key(query: bytes, *, path: str = "/api/v1/hotels", tag: str = "g7") -> str:
    return cache_key(path=path, query_string=query, tag=tag)


def test_parameter_order_does_not_change_the_key() -> None:
    assert key(b"city=Lisbon&limit=5&sort=name") == key(b"sort=name&city=Lisbon&limit=5")


def test_spellings_the_application_reads_alike_share_a_key() -> None:
    assert key(b"q=rooftop+pool") == key(b"q=rooftop%20pool")
    assert key(b"city=Lisbon&flag") == key(b"flag=&city=Lisbon")


def test_anything_the_application_tells_apart_gets_its_own_key() -> None:
    assert key(b"limit=5") != key(b"limit=6")
    assert key(b"q=a%26b") != key(b"q=a&b=")  # an encoded "&" is data, not a separator
    assert key(b"x=1&x=2") != key(b"x=2&x=1")  # repeated parameters keep their order
    assert key(b"") != key(b"", path="/api/v1/providers")
    assert key(b"limit=5", tag="g7") != key(b"limit=5", tag="g8")
    assert key(b"", tag="h1.7") != key(b"", tag="h12.7")
