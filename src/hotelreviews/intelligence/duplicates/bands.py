"""LSH band hashes of signatures, to store and look up in a database.

MinHash LSH splits a signature's `num_perm` values into `b` bands of `r` rows; two signatures
are candidates when any band is identical. The shape (b, r) is datasketch's own for the
threshold (`MinHashLSH(threshold, num_perm).b / .r`: the false positive and negative weights
it optimises), so a stored index proposes the candidates the in-memory one does. Each band
becomes one stable 63-bit integer: its `r` values folded in order by a multiply-add and the
MurmurHash3 64-bit finaliser, in numpy for every band of many signatures at once (a hash
call per band in Python cost more than the rest of the step's arithmetic). The same on
every machine and process, unlike Python's `hash`, and a signed BIGINT fits it, so finding a
new review's candidates is one indexed lookup of its `b` (band, bucket) pairs.
"""

from __future__ import annotations

import functools

import numpy as np
from datasketch import MinHashLSH  # type: ignore[import-untyped]

from hotelreviews.intelligence.duplicates.mixing import CHAIN, U64, fmix

_MASK = U64((1 << 63) - 1)


@functools.cache
def lsh_shape(*, threshold: float, num_perm: int) -> tuple[int, int]:
    """(bands, rows per band) datasketch picks for this threshold and signature size."""
    lsh = MinHashLSH(threshold=threshold, num_perm=num_perm)
    return int(lsh.b), int(lsh.r)


def band_buckets(values: np.ndarray, *, bands: int, rows: int) -> np.ndarray:
    """The buckets of each signature's `bands` bands, from signatures' hash values (one row
    each, as `signature_rows` gives them): an int64 array, column k the bucket of band k. The
    fold starts from the band's number, so equal values in two bands make two buckets."""
    count = len(values)
    grouped = values[:, : bands * rows].astype(U64).reshape(count, bands, rows)
    folded = np.broadcast_to(np.arange(bands, dtype=U64), (count, bands))
    for row in range(rows):
        folded = fmix(folded * CHAIN + grouped[:, :, row])
    return (folded & _MASK).astype(np.int64)
