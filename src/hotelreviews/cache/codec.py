"""What goes over Redis, as MessagePack: stored responses and invalidation messages.

Both are arrays with a fixed field order (msgspec `array_like`): compact, and decoded with
their types checked, so a foreign or corrupt value is an error to count, never a wrong answer.
"""

from __future__ import annotations

import msgspec

from hotelreviews.cache.store import CachedResponse
from hotelreviews.cache.versions import VersionBump

# Bump when a layout below changes: entries (in the key prefix) and messages (in each message)
# of another layout are then never read as this one.
ENTRY_FORMAT = 1
MESSAGE_FORMAT = 1


class _Entry(msgspec.Struct, array_like=True):
    expires_at: float  # wall-clock time (time.time()): processes share it, unlike monotonic
    status: int
    headers: list[tuple[bytes, bytes]]
    body: bytes
    etag: bytes
    cache_control: bytes


class _Message(msgspec.Struct, array_like=True):
    format: int
    version: int
    hotel_ids: list[int]
    all_hotels: bool
    lsn: int | None


_encoder = msgspec.msgpack.Encoder()
_entries = msgspec.msgpack.Decoder(_Entry)
_messages = msgspec.msgpack.Decoder(_Message)

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
            format=MESSAGE_FORMAT,
            version=bump.version,
            hotel_ids=list(bump.hotel_ids),
            all_hotels=bump.all_hotels,
            lsn=bump.lsn,
        )
    )


def decode_bump(data: bytes) -> VersionBump:
    message = _messages.decode(data)
    if message.format != MESSAGE_FORMAT:
        raise DecodeError(f"invalidation message format {message.format}, not {MESSAGE_FORMAT}")
    return VersionBump(
        version=message.version,
        hotel_ids=tuple(message.hotel_ids),
        all_hotels=message.all_hotels,
        lsn=message.lsn,
    )
