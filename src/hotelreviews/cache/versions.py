"""The data versions a process keys its cache by, and the key tag of each path.

A hotel's detail and review pages (`/hotels/{id}`, `/hotels/{id}/...`) are keyed by that
hotel's version; everything else (hotel lists, search, providers, single reviews) by the
global version. A batch bumps the global version and sets each hotel it touched to it, so its
commit makes the lists' and the touched hotels' entries unreachable and leaves every other
hotel's entries warm. Nothing is scanned or deleted: old entries age out.

The versions arrive from invalidation messages (at once) and from the database (the source of
truth, read at start-up and polled); both are applied here, and only ever move forward.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

# A path segment longer than this is no hotel id (BIGINT has 19 digits); also keeps int()
# away from huge digit strings.
_MAX_ID_DIGITS = 19


@dataclass(frozen=True, slots=True)
class VersionBump:
    """What one committed batch changed: the global version it set, the hotels it touched
    (or all of them), and on PostgreSQL a WAL position at or after its commit."""

    version: int
    hotel_ids: tuple[int, ...] = ()
    all_hotels: bool = False
    lsn: int | None = None


class CacheVersions:
    """The versions this process knows; `current` is None until the database was read once."""

    def __init__(self, *, prefix: str) -> None:
        self.current: int | None = None
        self.floor = 0
        # Every batch up to this version has been applied (a message or a database read).
        self.complete = 0
        # A WAL position at or after the newest commit applied: fills must read past it.
        self.lsn: int | None = None
        # Bumped whenever a tag may have changed: tags computed before can be reused until then.
        self.generation = 0
        self._hotels: dict[int, int] = {}
        self._hotel_paths = prefix + "/hotels/"

    def tag(self, path: str) -> str | None:
        """The part of the cache key that changes when the data behind `path` changes."""
        current = self.current
        if current is None:
            return None
        if path.startswith(self._hotel_paths):
            segment = path[len(self._hotel_paths) :].partition("/")[0]
            # As the routes read it: ASCII digits (Starlette's int convertor), leading zeros
            # allowed. Anything else is a 404 or 422 there, never stored; the global tag is
            # right for it anyway.
            if 0 < len(segment) <= _MAX_ID_DIGITS and segment.isascii() and segment.isdigit():
                hotel_id = int(segment)
                version = max(self._hotels.get(hotel_id, 0), self.floor)
                return f"h{hotel_id}.{version}"
        return f"g{current}"

    def apply(self, bump: VersionBump) -> bool:
        """Apply one batch's message. False when an earlier batch's message has not been seen
        (lost, or still on its way): the caller should read the database to catch up."""
        if self.current is None:
            # Nothing read yet: a hotel missing from the map would look unchanged. The first
            # database read includes this batch.
            return False
        self._raise_hotels((hotel_id, bump.version) for hotel_id in bump.hotel_ids)
        if bump.all_hotels:
            self._raise_floor(bump.version)
        self._advance(bump.version, bump.lsn)
        if bump.version == self.complete + 1:
            self.complete = bump.version
            return True
        return bump.version <= self.complete

    def apply_database(
        self,
        *,
        version: int,
        floor: int,
        hotels: Iterable[tuple[int, int]],
        lsn: int | None = None,
    ) -> None:
        """Apply what the database holds: `version` and `floor` as read, then `hotels` (every
        hotel changed after `self.complete`, read after them)."""
        self._raise_hotels(hotels)
        self._raise_floor(floor)
        self._advance(version, lsn)
        self.complete = max(self.complete, version)

    def forget(self) -> None:
        """Drop everything known (the database was replaced): the next read starts over."""
        self.current = None
        self.floor = self.complete = 0
        self.lsn = None
        self._hotels.clear()
        self.generation += 1

    def _raise_hotels(self, hotels: Iterable[tuple[int, int]]) -> None:
        known = self._hotels
        for hotel_id, version in hotels:
            if known.get(hotel_id, 0) < version:
                known[hotel_id] = version
                self.generation += 1

    def _raise_floor(self, floor: int) -> None:
        if self.floor < floor:
            self.floor = floor
            self.generation += 1

    def _advance(self, version: int, lsn: int | None) -> None:
        if self.current is None or self.current < version:
            self.current = version
            self.generation += 1
        if lsn is not None and (self.lsn is None or self.lsn < lsn):
            self.lsn = lsn
