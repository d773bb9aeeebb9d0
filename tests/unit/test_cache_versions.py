"""The versions a process keys its cache by: tags per path, messages, gaps, database reads."""

from __future__ import annotations

from pathlib import Path

import msgspec
import pytest
from pydantic import ValidationError

from hotelreviews.cache.codec import (
    DecodeError,
    TokensRevoked,
    decode_bump,
    decode_message,
    encode_bump,
    encode_revocation,
)
from hotelreviews.cache.versions import CacheVersions, VersionBump
from hotelreviews.core.settings import Settings


def loaded(version: int = 10, *, floor: int = 0, hotels: dict[int, int] | None = None):
    versions = CacheVersions(prefix="/api/v1")
    versions.apply_database(version=version, floor=floor, hotels=(hotels or {}).items())
    return versions


def test_nothing_is_tagged_before_the_database_was_read() -> None:
    assert CacheVersions(prefix="/api/v1").tag("/api/v1/hotels/1") is None


@pytest.mark.parametrize(
    ("path", "tag"),
    [
        ("/api/v1/hotels/7", "h7.8"),
        ("/api/v1/hotels/7/reviews", "h7.8"),
        ("/api/v1/hotels/007", "h7.8"),  # the route reads it as 7
        ("/api/v1/hotels/8", "h8.0"),  # never changed since the floor
        ("/api/v1/hotels", "g10"),
        ("/api/v1/hotels/", "g10"),
        ("/api/v1/hotels/abc", "g10"),  # a 422 there; never stored anyway
        ("/api/v1/hotels/٣", "g10"),  # a digit, but not one the route accepts
        ("/api/v1/hotels/" + "9" * 5000, "g10"),  # no int() of huge digit strings
        ("/api/v1/reviews/7", "g10"),
        ("/api/v1/reviews/search", "g10"),
        ("/api/v1/providers", "g10"),
    ],
)
def test_a_hotels_pages_carry_its_version_everything_else_the_global_one(
    path: str, tag: str
) -> None:
    assert loaded(hotels={7: 8}).tag(path) == tag


def test_a_message_moves_the_hotels_it_names_and_the_lists() -> None:
    versions = loaded(hotels={1: 4, 2: 6})
    assert versions.apply(VersionBump(version=11, hotel_ids=(1,), lsn=500))
    assert versions.tag("/api/v1/hotels/1") == "h1.11"
    assert versions.tag("/api/v1/hotels/2") == "h2.6"
    assert versions.tag("/api/v1/hotels") == "g11"
    assert (versions.complete, versions.lsn) == (11, 500)


def test_a_floor_moves_every_hotel() -> None:
    versions = loaded(hotels={1: 4, 2: 6})
    assert versions.apply(VersionBump(version=11, hotel_ids=(1,), all_hotels=True))
    assert [versions.tag(f"/api/v1/hotels/{h}") for h in (1, 2, 3)] == ["h1.11", "h2.11", "h3.11"]
    assert versions.apply(VersionBump(version=12, hotel_ids=(2,)))
    assert [versions.tag(f"/api/v1/hotels/{h}") for h in (1, 2)] == ["h1.11", "h2.12"]


def test_a_missing_message_is_a_gap_until_the_database_fills_it() -> None:
    versions = loaded()
    assert not versions.apply(VersionBump(version=12, hotel_ids=(5,)))  # 11 is missing
    assert versions.tag("/api/v1/hotels/5") == "h5.12" and versions.complete == 10
    assert versions.apply(VersionBump(version=11, hotel_ids=(6,)))  # late, but it came
    assert versions.complete == 11

    versions.apply_database(version=12, floor=0, hotels=[(5, 12), (6, 11), (9, 12)])
    assert versions.complete == 12 and versions.tag("/api/v1/hotels/9") == "h9.12"
    assert versions.apply(VersionBump(version=13, hotel_ids=()))


def test_versions_never_move_back() -> None:
    versions = loaded(hotels={1: 9}, floor=3)
    versions.apply(VersionBump(version=8, hotel_ids=(1,), all_hotels=True, lsn=1))
    versions.apply_database(version=7, floor=2, hotels=[(1, 5)], lsn=0)
    assert versions.tag("/api/v1/hotels/1") == "h1.9" and versions.tag("/api") == "g10"
    assert versions.floor == 8 and versions.lsn == 1


def test_messages_before_the_first_database_read_are_left_to_it() -> None:
    versions = CacheVersions(prefix="/api/v1")
    assert not versions.apply(VersionBump(version=3, hotel_ids=(1,)))
    assert versions.tag("/api/v1/hotels/2") is None


def test_forgetting_starts_over() -> None:
    versions = loaded(hotels={1: 9})
    versions.forget()
    assert versions.tag("/api/v1/hotels/1") is None and versions.complete == 0


def test_an_invalidation_message_survives_the_wire_and_a_foreign_one_is_refused() -> None:
    bump = VersionBump(version=2**40, hotel_ids=(1, 2**40), all_hotels=True, lsn=2**63)
    assert decode_bump(encode_bump(bump)) == bump
    for foreign in (b"", b"\x93\x01\x02\x03", b"not msgpack", encode_bump(bump)[:-1]):
        with pytest.raises(DecodeError):
            decode_bump(foreign)


def test_token_revocations_share_the_channel_without_changing_what_a_bump_looks_like() -> None:
    bump = VersionBump(version=7, hotel_ids=(3,), all_hotels=False, lsn=None)
    revoked = TokensRevoked(user_id=42, token_version=5)
    # The layout processes of the previous release read: [format 1, version, ids, all, lsn].
    assert msgspec.msgpack.decode(encode_bump(bump)) == [1, 7, [3], False, None]
    assert decode_message(encode_bump(bump)) == bump
    assert decode_message(encode_revocation(revoked)) == revoked
    with pytest.raises(DecodeError):
        decode_bump(encode_revocation(revoked))


def test_the_poll_interval_that_bounds_staleness_cannot_exceed_one_second() -> None:
    assert Settings(cache_version_poll_seconds=1.0).cache_version_poll_seconds == 1.0
    with pytest.raises(ValidationError, match="less than or equal to 1"):
        Settings(cache_version_poll_seconds=1.5)


def test_the_redis_url_can_come_from_a_file_and_is_never_shown(tmp_path: Path) -> None:
    secret = tmp_path / "redis-url"
    secret.write_text("redis://:hunter2@cache.internal:6379/0\n")
    settings = Settings(redis_url_file=secret)
    assert settings.redis_url is not None
    assert settings.redis_url.get_secret_value() == "redis://:hunter2@cache.internal:6379/0"
    assert "hunter2" not in repr(settings) and "hunter2" not in str(settings.model_dump())
