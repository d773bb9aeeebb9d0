"""Duplicate and suspicious reviews: MinHash LSH over normalised review texts (datasketch).

One incremental index per deployment: `DuplicateIndex.add(review)` returns verdicts (cross-post,
near-duplicate, suspicious burst) that flag, never delete; signatures are bytes to store per
review, and `DuplicateIndex.restore` rebuilds the index from them. `classify` is the one set of
rules both it and the runner's stored index (band hashes from `band_buckets`) judge by.
"""

from hotelreviews.intelligence.duplicates.bands import band_buckets, lsh_shape
from hotelreviews.intelligence.duplicates.classify import Match, classify, confirmed
from hotelreviews.intelligence.duplicates.index import DuplicateIndex, IndexSettings
from hotelreviews.intelligence.duplicates.review import ReviewForDedup, Verdict, VerdictKind
from hotelreviews.intelligence.duplicates.signature import (
    ShingleKind,
    SignatureSettings,
    minhash_from_row,
    minhash_of,
    minhashes_of,
    rows_to_bytes,
    signature_from_bytes,
    signature_rows,
    signature_to_bytes,
)
from hotelreviews.intelligence.duplicates.stays import same_stay

__all__ = [
    "Match",
    "band_buckets",
    "classify",
    "confirmed",
    "lsh_shape",
    "DuplicateIndex",
    "IndexSettings",
    "ReviewForDedup",
    "ShingleKind",
    "SignatureSettings",
    "Verdict",
    "VerdictKind",
    "minhash_of",
    "minhash_from_row",
    "minhashes_of",
    "rows_to_bytes",
    "same_stay",
    "signature_from_bytes",
    "signature_rows",
    "signature_to_bytes",
]
