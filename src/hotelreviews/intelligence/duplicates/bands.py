"""LSH band hashes of a signature, to store and look up in a database.

MinHash LSH splits a signature's `num_perm` values into `b` bands of `r` rows; two signatures
are candidates when any band is identical. The shape (b, r) is datasketch's own for the
threshold (`MinHashLSH(threshold, num_perm).b / .r`: the false positive and negative weights
it optimises), so a stored index proposes the candidates the in-memory one does. Each band
becomes one stable 63-bit integer (blake2b of its little-endian values: the same on every
machine and process, unlike Python's `hash`, and a signed BIGINT fits it), so finding a new
review's candidates is one indexed lookup of its `b` (band, bucket) pairs.
"""

from __future__ import annotations

import functools
import hashlib

import numpy as np
from datasketch import LeanMinHash, MinHashLSH  # type: ignore[import-untyped]

_MASK = (1 << 63) - 1


@functools.cache
def lsh_shape(*, threshold: float, num_perm: int) -> tuple[int, int]:
    """(bands, rows per band) datasketch picks for this threshold and signature size."""
    lsh = MinHashLSH(threshold=threshold, num_perm=num_perm)
    return int(lsh.b), int(lsh.r)


def band_buckets(minhash: LeanMinHash, *, bands: int, rows: int) -> list[tuple[int, int]]:
    """(band number, bucket) for each of the signature's `bands` bands."""
    data = np.asarray(minhash.hashvalues, dtype="<u8").tobytes()
    size = rows * 8  # bytes of a band: slicing the bytes once made is cheaper than the array
    return [
        (band, int.from_bytes(_digest(data[band * size : (band + 1) * size]), "little") & _MASK)
        for band in range(bands)
    ]


def _digest(chunk: bytes) -> bytes:
    return hashlib.blake2b(chunk, digest_size=8).digest()
