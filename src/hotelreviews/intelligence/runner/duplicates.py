"""Step 1b: the touched hotels' reviews not judged yet (or edited since), judged against the
stored duplicate index, and the judgements stored: signatures, LSH buckets, flags, and one
`suspicious_duplicates` alert per burst.

The index lives in the database (intelligence.duplicates.tables), not in a process: any runner,
fresh or restarted, judges a review with one indexed lookup of its LSH buckets and one read of
the candidates' facts and signatures, never by loading every signature. The batch's reviews
are judged oldest first and see each other (a burst often arrives in one file) as well as the
stored ones; the matches are confirmed and classified by the rules the in-memory
`DuplicateIndex` uses (intelligence.duplicates.classify), so both give the same verdicts.

Planned from reads, written in the runner's write transaction as replacements (a judged
review's buckets and flags are deleted and inserted again; its old buckets found by key, from
the signature it was judged from), so a crash and a re-run end in the same state, and an
edited review is simply judged again. Bucket rows are written sorted by key (one pass over
the table's b-tree, not one random descent a row). Flags, never deletions. A burst's
verdicts map to one alert key (hotel, kind, onset week of its earliest member): stored once,
with the runner's other alerts.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import numpy as np
from datasketch import LeanMinHash  # type: ignore[import-untyped]
from sqlalchemy.ext.asyncio import AsyncConnection

from hotelreviews.intelligence.alerts.service import NewAlert
from hotelreviews.intelligence.anomalies import suspicious_duplicates_alert
from hotelreviews.intelligence.duplicates import (
    IndexSettings,
    ReviewForDedup,
    Verdict,
    band_buckets,
    classify,
    confirmed,
    lsh_shape,
    minhash_from_row,
    rows_to_bytes,
    signature_from_bytes,
    signature_rows,
)
from hotelreviews.intelligence.runner import duplicates_repository as repo
from hotelreviews.intelligence.runner.analysis import utc_day

SETTINGS = IndexSettings()


def review_text(row: Any) -> str:
    """The words a review's signature is made of: its text, positives and negatives."""
    return " ".join(part for part in (row.text, row.positives, row.negatives) if part)


def facts_of(row: Any) -> ReviewForDedup:
    """A review row as the rules read it (ids as text; rating on 0..1)."""
    return ReviewForDedup(
        review_id=str(row.id),
        hotel_id=str(row.hotel_id),
        provider=row.provider,
        reviewer_name=row.reviewer_name or "",
        reviewer_country=row.reviewer_country,
        review_date=utc_day(row.review_date),
        stay_month=None if row.stay_month is None else f"{row.stay_month:%Y-%m}",
        rating=row.rating_normalized / 10.0,
        text="",
    )


@dataclass(slots=True)
class Judged:
    """What `judge_hotels` found, to store: rows per table, the alerts of bursts, the hotels
    whose reviews' flags changed, and which judged reviews are a stay's later copy."""

    review_ids: list[int] = field(default_factory=list)
    rejudged: list[int] = field(default_factory=list)  # judged before: rows to replace
    old_buckets: list[int] = field(default_factory=list)  # theirs, from stored signatures
    signatures: list[dict[str, Any]] = field(default_factory=list)
    buckets: list[tuple[int, int, int]] = field(default_factory=list)  # bucket, band, review
    flags: list[dict[str, Any]] = field(default_factory=list)
    raised: list[NewAlert] = field(default_factory=list)
    flagged_hotels: set[int] = field(default_factory=set)
    cross_posts: set[int] = field(default_factory=set)  # judged now: a later copy
    # judged now, counted differently than before (a cross-post now and not before, or back)
    recounted: dict[int, int] = field(default_factory=dict)  # review id -> hotel id

    @property
    def count(self) -> int:
        return len(self.review_ids)

    def later_copies(self, stored: Collection[int]) -> set[int]:
        """The reviews to leave out of a hotel's state, from its stored cross-posts."""
        judged = set(self.review_ids)
        return {i for i in stored if i not in judged} | self.cross_posts


@dataclass(slots=True)
class _Found:
    """The stored candidates, by their (band, bucket)."""

    by_bucket: dict[tuple[int, int], list[str]] = field(default_factory=dict)
    reviews: dict[str, tuple[ReviewForDedup, LeanMinHash]] = field(default_factory=dict)


@dataclass(slots=True)
class _Signed:
    """The batch's signatures, as arrays (one row per signed review) and, for the few reviews
    that share a bucket with another, as the objects the rules read (made on demand)."""

    rows: list[Any]
    position: dict[int, int]  # index in `rows` -> row of the arrays
    values: np.ndarray  # hash values
    buckets: np.ndarray  # band k's bucket in column k
    settings: IndexSettings
    _facts: dict[int, ReviewForDedup] = field(default_factory=dict)
    _minhashes: dict[int, LeanMinHash] = field(default_factory=dict)

    def facts(self, index: int) -> ReviewForDedup:
        if index not in self._facts:
            self._facts[index] = facts_of(self.rows[index])
        return self._facts[index]

    def minhash(self, index: int) -> LeanMinHash:
        if index not in self._minhashes:
            values = self.values[self.position[index]]
            self._minhashes[index] = minhash_from_row(values, settings=self.settings.signature)
        return self._minhashes[index]

    def pairs(self, index: int) -> list[tuple[int, int]]:
        return list(enumerate(self.buckets[self.position[index]].tolist()))


async def judge_hotels(
    connection: AsyncConnection,
    *,
    hotel_ids: Collection[int],
    now: datetime,
    settings: IndexSettings = SETTINGS,
) -> Judged:
    """Judge the hotels' reviews that need it (reads only; store with `store_judged`)."""
    rows = await repo.reviews_to_judge(connection, hotel_ids=hotel_ids)
    judged = Judged()
    if not rows:
        return judged
    bands, per_band = lsh_shape(threshold=settings.threshold, num_perm=settings.signature.num_perm)
    # Signatures, band hashes and stored bytes for the whole batch at once, as arrays: most
    # reviews share no bucket with any other, and for them nothing more is made.
    texts = [review_text(row) for row in rows]
    at, values = signature_rows(texts, settings=settings.signature)
    signed = _Signed(
        rows=rows,
        position={index: i for i, index in enumerate(at)},
        values=values,
        buckets=band_buckets(values, bands=bands, rows=per_band),
        settings=settings,
    )
    blobs = dict(zip(at, rows_to_bytes(values, settings=settings.signature), strict=True))
    judged.review_ids = [row.id for row in rows]
    judged.rejudged = [row.id for row in rows if row.judged]
    judged.old_buckets = _old_buckets(
        await repo.stored_signatures(connection, review_ids=judged.rejudged),
        bands=bands,
        rows_per_band=per_band,
    )
    signed_ids = np.array([rows[index].id for index in at], dtype=np.int64)
    flat = signed.buckets.ravel()
    order, unique, repeated = _bucket_groups(flat)
    judged.buckets = _in_key_order(
        order, flat, np.tile(np.arange(bands), len(at)), np.repeat(signed_ids, bands)
    )
    stored = await _stored(
        connection, signed=signed, buckets=unique, exclude=set(judged.review_ids)
    )
    # The reviews with a bucket another has: stored ones, or the batch's own.
    in_batch = repeated.reshape(signed.buckets.shape).any(axis=1)
    stored_buckets = np.array(sorted({bucket for _, bucket in stored.by_bucket}), dtype=np.int64)
    in_stored = np.isin(signed.buckets, stored_buckets).any(axis=1)
    shared, seen_in_batch = (
        set((in_batch | in_stored).nonzero()[0].tolist()),
        set(in_batch.nonzero()[0].tolist()),
    )
    # Flags are stored with a judgement: a review never judged has none.
    before = await repo.flag_kinds(connection, review_ids=judged.rejudged)
    # The batch's reviews judged so far, by (band, bucket): indexes in `rows` (a later review
    # of the batch may match them; their facts and minhashes are made only if one does).
    batch: dict[tuple[int, int], list[int]] = {}
    for index, row in enumerate(rows):
        judged.signatures.append(
            {
                "review_id": row.id,
                "hotel_id": row.hotel_id,
                "signature": blobs.get(index),
                "judged_at": now,
                "source_changed_at": row.last_changed_at,
            }
        )
        kinds: set[str] = set()
        position = signed.position.get(index)
        if position is not None and position in shared:
            pairs = signed.pairs(index)
            stored_keys = {  # those in stored.reviews: others were removed since
                key
                for pair in pairs
                for key in stored.by_bucket.get(pair, ())
                if key in stored.reviews
            }
            earlier = {other for pair in pairs for other in batch.get(pair, ())}
            # No candidates, no matches: no verdict (a burst needs burst_min_size reviews).
            if stored_keys or earlier or settings.burst_min_size <= 1:
                candidates = [stored.reviews[key] for key in stored_keys]
                candidates += [(signed.facts(i), signed.minhash(i)) for i in earlier]
                kinds = _judge(
                    judged,
                    row=row,
                    review=signed.facts(index),
                    minhash=signed.minhash(index),
                    candidates=candidates,
                    settings=settings,
                    now=now,
                )
            if position in seen_in_batch:
                for pair in pairs:
                    batch.setdefault(pair, []).append(index)
        old = before.get(row.id, set())
        if kinds or old:
            judged.flagged_hotels.add(row.hotel_id)
        if "cross_post" in kinds:
            judged.cross_posts.add(row.id)
        if ("cross_post" in kinds) != ("cross_post" in old):
            judged.recounted[row.id] = row.hotel_id
    return judged


def _judge(
    judged: Judged,
    *,
    row: Any,
    review: ReviewForDedup,
    minhash: LeanMinHash,
    candidates: list[tuple[ReviewForDedup, LeanMinHash]],
    settings: IndexSettings,
    now: datetime,
) -> set[str]:
    """Confirm and classify the review's candidates, add its flags and its burst's alert to
    `judged`; the kinds of its verdicts."""
    matches = confirmed(minhash, candidates, threshold=settings.threshold)
    verdicts = classify(
        review=review,
        matches=matches,
        burst_window_days=settings.burst_window_days,
        burst_min_size=settings.burst_min_size,
    )
    facts = {other.review_id: other for other, _ in matches}
    for verdict in verdicts:
        judged.flags.append(
            {
                "review_id": row.id,
                "kind": verdict.kind,
                "hotel_id": row.hotel_id,
                "matches": [int(key) for key in verdict.matches],
                "similarity": verdict.similarity,
                "message": verdict.message,
                "flagged_at": now,
            }
        )
        alert = _burst_alert(verdict=verdict, review=review, facts=facts, now=now)
        if alert is not None and all(a.key != alert.key for a in judged.raised):
            judged.raised.append(alert)
    return {verdict.kind for verdict in verdicts}


def _bucket_groups(flat: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """One sort of the batch's buckets for three uses: the order that sorts them (to insert
    in key order), the distinct buckets (to look up, sorted), and whether each bucket appears
    more than once in the batch (its reviews may match each other)."""
    order = np.argsort(flat, kind="stable")
    ordered = flat[order]
    starts = np.ones(len(ordered), dtype=bool)
    starts[1:] = ordered[1:] != ordered[:-1]
    group = np.cumsum(starts) - 1
    repeated = np.empty(len(flat), dtype=bool)
    repeated[order] = np.bincount(group, minlength=1)[group] > 1
    return order, ordered[starts], repeated


def _in_key_order(
    order: np.ndarray, buckets: np.ndarray, bands: np.ndarray, review_ids: np.ndarray
) -> list[tuple[int, int, int]]:
    """(bucket, band, review_id) rows sorted by bucket (`order`), as the bucket table's
    primary key: inserted in key order, each b-tree page is visited once per batch rather
    than once per row (random order cost SQLite 2-4 times as much a row, more as the table
    grows)."""
    return list(
        zip(
            buckets[order].tolist(),
            bands[order].tolist(),
            review_ids[order].tolist(),
            strict=True,
        )
    )


def _old_buckets(stored: list[bytes], *, bands: int, rows_per_band: int) -> list[int]:
    """The buckets stored for the reviews judged before, recomputed from the signatures they
    were judged from (band hashes are a pure function of a signature): how their old bucket
    rows are found, the bucket table having no index by review."""
    if not stored:
        return []
    values = np.array([signature_from_bytes(blob).hashvalues for blob in stored])
    return np.unique(band_buckets(values, bands=bands, rows=rows_per_band)).tolist()


async def _stored(
    connection: AsyncConnection, *, signed: _Signed, buckets: np.ndarray, exclude: set[int]
) -> _Found:
    """The stored reviews sharing a bucket (one of `buckets`, the batch's distinct ones) with
    the batch's reviews (but those judged again now)."""
    found = _Found()
    if not len(buckets):
        return found
    rows = await repo.reviews_in_buckets(connection, buckets=buckets.tolist())
    rows = [row for row in rows if row.review_id not in exclude]
    if rows:  # keep those whose bucket is in the same band here (the lookup was by bucket)
        buckets = np.array([row.bucket for row in rows], dtype=np.int64)
        bands = np.array([row.band for row in rows], dtype=np.int64)
        same_band = np.zeros(len(rows), dtype=bool)
        for band in np.unique(bands).tolist():
            if band < signed.buckets.shape[1]:
                here = bands == band
                same_band[here] = np.isin(buckets[here], signed.buckets[:, band])
        for row, keep in zip(rows, same_band.tolist(), strict=True):
            if keep:
                found.by_bucket.setdefault((row.band, row.bucket), []).append(str(row.review_id))
    ids = {int(key) for keys in found.by_bucket.values() for key in keys}
    for row in await repo.facts_and_signatures(connection, review_ids=ids):
        found.reviews[str(row.id)] = (facts_of(row), signature_from_bytes(row.signature))
    return found


def _burst_alert(
    *, verdict: Verdict, review: ReviewForDedup, facts: dict[str, ReviewForDedup], now: datetime
) -> NewAlert | None:
    """The burst's alert, for a suspicious_burst verdict (None for the others)."""
    matched: tuple[date, ...] = tuple(facts[key].review_date for key in verdict.matches)
    alert = suspicious_duplicates_alert(
        verdict=verdict, review=review, matched_dates=matched, detected_at=now.date()
    )
    if alert is None:
        return None
    return NewAlert(
        key=":".join(alert.key),
        hotel_id=int(review.hotel_id),
        kind=alert.kind,
        onset=alert.onset,
        detected_at=now,
        severity=alert.severity,
        message=alert.message,
        review_id=int(review.review_id),
        evidence={
            "reviews": [int(key) for key in alert.evidence["reviews"]],
            "min_similarity": alert.evidence["min_similarity"],
        },
    )


async def store_judged(connection: AsyncConnection, *, judged: Judged) -> None:
    """Replace the judged reviews' signatures, buckets and flags (alerts: store_alerts)."""
    if judged.review_ids:
        await repo.replace_judgements(
            connection,
            review_ids=judged.rejudged,
            old_buckets=judged.old_buckets,
            signatures=judged.signatures,
            buckets=judged.buckets,
            flags=judged.flags,
        )
