"""What goes over Redis, as MessagePack: stored responses and invalidation messages.

Both are arrays with a fixed field order (msgspec `array_like`): compact, and decoded with
their types checked, so a foreign or corrupt value is an error to count, never a wrong answer.
"""

from __future__ import annotations

from dataclasses import dataclass

import msgspec

from hotelreviews.cache.store import CachedResponse
from hotelreviews.cache.versions import VersionBump

# Bump when a layout below changes: entries (in the key prefix) and messages (in each message)
# of another layout are then never read as this one.
ENTRY_FORMAT = 1
MESSAGE_FORMAT = 1
# The channel also carries revocations of a user's access tokens (security.token_versions).
# A message's first element says which kind (and layout) it is: MESSAGE_FORMAT for a version
# bump (as before revocations existed), this for a revocation.
REVOCATION_FORMAT = 2


class _Entry(msgspec.Struct, array_like=True):
    expires_at: float  # wall-clock time (time.time()): processes share it, unlike monotonic
    status: int
    headers: list[tuple[bytes, bytes]]
    body: bytes
    etag: bytes
    cache_control: bytes


class _Message(msgspec.Struct, array_like=True, tag=MESSAGE_FORMAT):
    version: int
    hotel_ids: list[int]
    all_hotels: bool
    lsn: int | None


class _Revocation(msgspec.Struct, array_like=True, tag=REVOCATION_FORMAT):
    user_id: int
    token_version: int


@dataclass(frozen=True, slots=True)
class TokensRevoked:
    """A user's access tokens below `token_version` are refused from now on."""

    user_id: int
    token_version: int


_encoder = msgspec.msgpack.Encoder()
_entries = msgspec.msgpack.Decoder(_Entry)
_messages = msgspec.msgpack.Decoder(_Message | _Revocation)

DecodeError = msgspec.DecodeError  # also raised for a value of the wrong shape


def encode_entry(response: CachedResponse, *, expires_at: float) -> bytes:
    return _encoder.encode(
        _Entry(
            expires_at=expires_at,
            status=response.status,
            headers=list(response.headers),
            body=response.body,
            etag=response.etag,
            cache_control=response.cache_control,
        )
    )


def decode_entry(data: bytes) -> CachedResponse:
    entry = _entries.decode(data)
    return CachedResponse(
        status=entry.status,
        headers=tuple(entry.headers),
        body=entry.body,
        etag=entry.etag,
        cache_control=entry.cache_control,
        expires_at=entry.expires_at,
    )


def encode_bump(bump: VersionBump) -> bytes:
    return _encoder.encode(
        _Message(
            version=bump.version,
            hotel_ids=list(bump.hotel_ids),
            all_hotels=bump.all_hotels,
            lsn=bump.lsn,
        )
    )


def encode_revocation(revoked: TokensRevoked) -> bytes:
    return _encoder.encode(
        _Revocation(user_id=revoked.user_id, token_version=revoked.token_version)
    )


def decode_message(data: bytes) -> VersionBump | TokensRevoked:
    """Either kind of invalidation message (DecodeError for anything else)."""
    message = _messages.decode(data)
    if isinstance(message, _Revocation):
        return TokensRevoked(user_id=message.user_id, token_version=message.token_version)
    return VersionBump(
        version=message.version,
        hotel_ids=tuple(message.hotel_ids),
        all_hotels=message.all_hotels,
        lsn=message.lsn,
    )


def decode_bump(data: bytes) -> VersionBump:
    message = decode_message(data)
    if not isinstance(message, VersionBump):
        raise DecodeError("a token revocation, not a version bump")
    return message
