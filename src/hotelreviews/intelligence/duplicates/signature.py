"""MinHash signatures of review texts (datasketch), and their bytes for storage.

A signature is computed once per review and stored beside it, so the index can be rebuilt
without re-reading texts. LeanMinHash is datasketch's compact, serialisable form; bytes are
little-endian so a signature stored on one machine reads back on any other. Texts under
`min_words` words get no signature at all: "Great hotel!" written by two guests is a
coincidence, not a copy, and short texts share most of their shingles by chance.

Computed in numpy, many texts at once, rather than by `MinHash.update_batch` (which calls
SHA-1 in Python once per shingle: most of the runner's cost per review). A text becomes a
sequence of 64-bit tokens — each distinct word hashed once (blake2b, remembered), or each
character's code point for character shingles — and a shingle's 32-bit hash is mixed
arithmetically from its tokens' (a multiply-add then the MurmurHash3 64-bit finaliser per
token). Those hashes then go through the template MinHash's own permutations, exactly as
datasketch's "affine32" scheme applies them (its MurmurHash3 pre-mix, then a*h+b mod 2^32),
and the minimum per permutation is the signature: a LeanMinHash, so storage, Jaccard and LSH
stay datasketch's. Both indexes (the in-memory `DuplicateIndex` and the runner's stored one)
call `minhashes_of`, so they sign every text the same way.
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
from datasketch import LeanMinHash, MinHash  # type: ignore[import-untyped]

from hotelreviews.intelligence.duplicates.mixing import CHAIN, FMIX32, FMIX64, U64, fmix
from hotelreviews.intelligence.duplicates.text import words_of

ShingleKind = Literal["word3", "char5"]
_BYTE_ORDER = "<"
_SHINGLE_SIZE: dict[str, int] = {"word3": 3, "char5": 5}

# Shingle hashes permuted at once: bounds the (shingles × permutations) array to ~16 MB.
_SHINGLES_PER_STEP = 1 << 15


@dataclass(frozen=True, slots=True)
class SignatureSettings:
    """How texts become signatures; every signature in one index must share these."""

    shingles: ShingleKind = "word3"
    num_perm: int = 128
    seed: int = 16
    min_words: int = 8


@functools.cache
def _template(num_perm: int, seed: int) -> Any:
    # The permutations datasketch draws from the seed (drawing them is costly): drawn once.
    return MinHash(num_perm=num_perm, seed=seed)


@functools.lru_cache(maxsize=1 << 17)
def _word_hash(word: str) -> int:
    # A review's words are mostly a small vocabulary: each hashed once (bounded memory).
    return int.from_bytes(hashlib.blake2b(word.encode("utf-8"), digest_size=8).digest(), "little")


def tokens_of(words: list[str], kind: ShingleKind) -> np.ndarray:
    """The text as the 64-bit tokens its shingles are made of."""
    if kind == "word3":
        return np.fromiter(map(_word_hash, words), dtype=U64, count=len(words))
    codes = np.frombuffer(" ".join(words).encode("utf-32-le"), dtype=np.uint32)
    return fmix(codes.astype(U64) + CHAIN, FMIX64)  # spread the small code points


def shingle_hashes(tokens: Sequence[np.ndarray], *, size: int) -> list[np.ndarray]:
    """Each text's shingle hashes (uint32): one per run of `size` consecutive tokens, or one
    of all its tokens when it has fewer."""
    if not tokens:
        return []
    lengths = np.fromiter((len(t) for t in tokens), dtype=np.int64, count=len(tokens))
    starts = np.concatenate(([0], np.cumsum(lengths)[:-1]))
    flat = np.concatenate([*tokens, np.zeros(size - 1, dtype=U64)])
    total = int(lengths.sum())
    # chains[k][i]: the hash of the k + 1 tokens from position i (across texts' ends too: only
    # the runs inside one text are taken below).
    chain = flat[:total]
    chains = [chain]
    with np.errstate(over="ignore"):
        for offset in range(1, size):
            chain = fmix(chain * CHAIN + flat[offset : offset + total], FMIX64)
            chains.append(chain)
    full = chains[size - 1]
    found = []
    for start, length in zip(starts.tolist(), lengths.tolist(), strict=True):
        if length >= size:
            runs = full[start : start + length - size + 1]
        else:
            runs = chains[max(length, 1) - 1][start : start + 1]
        found.append((runs >> U64(32)).astype(np.uint32))
    return found


def _steps(hashes: list[np.ndarray]) -> Iterator[tuple[int, int]]:
    """(first, last) text ranges of about `_SHINGLES_PER_STEP` shingles (one text at least)."""
    first, count = 0, 0
    for i, found in enumerate(hashes):
        if i > first and count + len(found) > _SHINGLES_PER_STEP:
            yield first, i
            first, count = i, 0
        count += len(found)
    if first < len(hashes):
        yield first, len(hashes)


def _permuted_minimums(hashes: list[np.ndarray], template: Any) -> np.ndarray:
    """One row per text: the minimum over its shingles of each of the template's permutations,
    as datasketch's affine32 scheme computes them (MurmurHash3 pre-mix, a*h+b mod 2^32)."""
    a, b = template.permutations
    rows = np.empty((len(hashes), len(a)), dtype=np.uint32)
    for first, last in _steps(hashes):
        step = hashes[first:last]
        mixed = fmix(np.concatenate(step), FMIX32)
        # permutations × shingles: each text's shingles contiguous, so the minimum per text
        # reads memory in order (several times faster than the transposed layout).
        permuted = a[:, None] * mixed[None, :]
        permuted += b[:, None]
        offsets = np.concatenate(([0], np.cumsum([len(h) for h in step])[:-1]))
        rows[first:last] = np.minimum.reduceat(permuted, offsets, axis=1).T
    return rows


def signature_rows(
    texts: Sequence[str], *, settings: SignatureSettings
) -> tuple[list[int], np.ndarray]:
    """The positions of the texts long enough to judge, and their signatures' hash values
    (uint32, one row each): what `minhashes_of` wraps, for callers that work on many at once."""
    words = [words_of(text) for text in texts]
    signed = [i for i, w in enumerate(words) if len(w) >= settings.min_words and w]
    tokens = [tokens_of(words[i], settings.shingles) for i in signed]
    hashes = shingle_hashes(tokens, size=_SHINGLE_SIZE[settings.shingles])
    return signed, _permuted_minimums(hashes, _template(settings.num_perm, settings.seed))


def minhash_from_row(values: np.ndarray, *, settings: SignatureSettings) -> LeanMinHash:
    """A row of `signature_rows` as datasketch's LeanMinHash."""
    scheme = _template(settings.num_perm, settings.seed).scheme
    return LeanMinHash(seed=settings.seed, hashvalues=values, scheme=scheme)


def minhashes_of(texts: Sequence[str], *, settings: SignatureSettings) -> list[LeanMinHash | None]:
    """Each text's MinHash signature, or None for a text too short to judge (many texts at
    once: the numpy work is shared)."""
    signed, rows = signature_rows(texts, settings=settings)
    found: list[LeanMinHash | None] = [None] * len(texts)
    for i, values in zip(signed, rows, strict=True):
        found[i] = minhash_from_row(values, settings=settings)
    return found


def minhash_of(*, text: str, settings: SignatureSettings) -> LeanMinHash | None:
    """The text's MinHash signature, or None when it is too short to judge."""
    return minhashes_of([text], settings=settings)[0]


def rows_to_bytes(rows: np.ndarray, *, settings: SignatureSettings) -> list[bytes]:
    """`signature_to_bytes` of each row of `signature_rows`, without a LeanMinHash each: the
    header datasketch writes (seed, size, scheme) once, then each row's little-endian values."""
    if not len(rows):
        return []
    first = signature_to_bytes(minhash_from_row(rows[0], settings=settings))
    header = first[: len(first) - rows.shape[1] * 4]
    return [header + values for values in map(bytes, rows.astype("<u4"))]


def signature_to_bytes(signature: LeanMinHash) -> bytes:
    """The signature as bytes to store beside its review."""
    buffer = bytearray(signature.bytesize(byteorder=_BYTE_ORDER))
    signature.serialize(buffer, byteorder=_BYTE_ORDER)
    return bytes(buffer)


def signature_from_bytes(data: bytes) -> LeanMinHash:
    """A signature back from its stored bytes."""
    return LeanMinHash.deserialize(data, byteorder=_BYTE_ORDER)
