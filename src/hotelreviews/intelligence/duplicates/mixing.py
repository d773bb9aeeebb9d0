"""The integer mixing shared by signatures and LSH band hashes: a chain multiplier and
MurmurHash3's finalisers, applied to whole numpy arrays at once (numpy's unsigned arithmetic
wraps, as these need)."""

from __future__ import annotations

from typing import Any

import numpy as np

U64 = np.uint64
# Odd multiplier of a chain of values: the chain's hash depends on the values' order.
CHAIN = U64(0x9E3779B97F4A7C15)
# MurmurHash3's 64- and 32-bit finalisers: fixed avalanching bijections.
FMIX64 = (U64(33), U64(0xFF51AFD7ED558CCD), U64(33), U64(0xC4CEB9FE1A85EC53), U64(33))
FMIX32 = (
    np.uint32(16),
    np.uint32(0x85EBCA6B),
    np.uint32(13),
    np.uint32(0xC2B2AE35),
    np.uint32(16),
)


def fmix(values: np.ndarray, constants: tuple[Any, ...] = FMIX64) -> np.ndarray:
    """The finaliser (FMIX64 or FMIX32) of every value."""
    shift1, multiplier1, shift2, multiplier2, shift3 = constants
    values = values ^ (values >> shift1)
    values = values * multiplier1
    values = values ^ (values >> shift2)
    values = values * multiplier2
    return values ^ (values >> shift3)
