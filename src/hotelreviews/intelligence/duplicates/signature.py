"""MinHash signatures of review texts (datasketch), and their bytes for storage.

A signature is computed once per review and stored beside it, so the index can be rebuilt
without re-reading texts. LeanMinHash is datasketch's compact, serialisable form; bytes are
little-endian so a signature stored on one machine reads back on any other. Texts under
`min_words` words get no signature at all: "Great hotel!" written by two guests is a
coincidence, not a copy, and short texts share most of their shingles by chance.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any, Literal

from datasketch import LeanMinHash, MinHash  # type: ignore[import-untyped]

from hotelreviews.intelligence.duplicates.text import char_shingles, word_shingles, words_of

ShingleKind = Literal["word3", "char5"]
_BYTE_ORDER = "<"


@dataclass(frozen=True, slots=True)
class SignatureSettings:
    """How texts become signatures; every signature in one index must share these."""

    shingles: ShingleKind = "word3"
    num_perm: int = 128
    seed: int = 16
    min_words: int = 8


def shingles_of(*, text: str, settings: SignatureSettings) -> set[str] | None:
    """The text's shingles, or None when it is too short to judge."""
    words = words_of(text)
    if len(words) < settings.min_words:
        return None
    if settings.shingles == "word3":
        return word_shingles(words, size=3)
    return char_shingles(words, size=5)


@functools.cache
def _template(num_perm: int, seed: int) -> Any:
    # datasketch draws the permutations from the seed for every MinHash: about half a
    # signature's cost. Drawn once; a MinHash given them (and their scheme) is the same.
    return MinHash(num_perm=num_perm, seed=seed)


def minhash_of(*, text: str, settings: SignatureSettings) -> LeanMinHash | None:
    """The text's MinHash signature, or None when it is too short to judge."""
    shingles = shingles_of(text=text, settings=settings)
    if shingles is None:
        return None
    template = _template(settings.num_perm, settings.seed)
    minhash = MinHash(
        num_perm=settings.num_perm,
        seed=settings.seed,
        permutations=template.permutations,
        scheme=template.scheme,
    )
    minhash.update_batch([shingle.encode("utf-8") for shingle in shingles])
    return LeanMinHash(minhash)


def signature_to_bytes(signature: LeanMinHash) -> bytes:
    """The signature as bytes to store beside its review."""
    buffer = bytearray(signature.bytesize(byteorder=_BYTE_ORDER))
    signature.serialize(buffer, byteorder=_BYTE_ORDER)
    return bytes(buffer)


def signature_from_bytes(data: bytes) -> LeanMinHash:
    """A signature back from its stored bytes."""
    return LeanMinHash.deserialize(data, byteorder=_BYTE_ORDER)
