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

_U64 = np.uint64
_MASK = _U64((1 << 63) - 1)
_CHAIN = _U64(0x9E3779B97F4A7C15)  # odd: a band's hash depends on its values' order
_FMIX64 = (_U64(33), _U64(0xFF51AFD7ED558CCD), _U64(33), _U64(0xC4CEB9FE1A85EC53), _U64(33))


@functools.cache
def lsh_shape(*, threshold: float, num_perm: int) -> tuple[int, int]:
    """(bands, rows per band) datasketch picks for this threshold and signature size."""
    lsh = MinHashLSH(threshold=threshold, num_perm=num_perm)
    return int(lsh.b), int(lsh.r)


def _fmix64(values: np.ndarray) -> np.ndarray:
    shift1, multiplier1, shift2, multiplier2, shift3 = _FMIX64
    values = values ^ (values >> shift1)
    values = values * multiplier1
    values = values ^ (values >> shift2)
    values = values * multiplier2
    return values ^ (values >> shift3)


def band_buckets(values: np.ndarray, *, bands: int, rows: int) -> np.ndarray:
    """The buckets of each signature's `bands` bands, from signatures' hash values (one row
    each, as `signature_rows` gives them): an int64 array, column k the bucket of band k. The
    fold starts from the band's number, so equal values in two bands make two buckets."""
    count = len(values)
    grouped = values[:, : bands * rows].astype(_U64).reshape(count, bands, rows)
    folded = np.broadcast_to(np.arange(bands, dtype=_U64), (count, bands))
    for row in range(rows):
        folded = _fmix64(folded * _CHAIN + grouped[:, :, row])
    return (folded & _MASK).astype(np.int64)
