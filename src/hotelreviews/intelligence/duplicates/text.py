"""Text normalisation and shingles for near-duplicate detection.

Normalised so that what a copier changes cheaply does not hide a copy: case, accents' forms
(NFKC), punctuation and spacing are dropped, and every digit run becomes "0" ("room 312" and
"room 14" are the same words). Words are kept whole (no stemming): a copy is a copy of the
words. Two shingle kinds are offered and measured in bench/intelligence_anomalies.py: word
3-grams (a swapped word breaks three shingles) and character 5-grams (a swapped word breaks
about as many shingles as it has letters, more tolerant of typos, more shingles to hash).
"""

from __future__ import annotations

import re
import unicodedata

_TOKEN = re.compile(r"\w+")
_DIGITS = re.compile(r"\d+")


# ASCII word characters (what `\w` matches below U+0080) kept, every other ASCII character a
# word boundary.
_ASCII_WORDS = str.maketrans(
    {chr(c): chr(c) if chr(c).isalnum() or chr(c) == "_" else " " for c in range(128)}
)
_ASCII_DIGITS = "0123456789"


def words_of(text: str) -> list[str]:
    """The normalised words of `text`."""
    if text.isascii() and not any(digit in text for digit in _ASCII_DIGITS):
        # Most reviews: NFKC leaves ASCII as it is, casefold is lower, and splitting on the
        # non-word characters gives the regular expression's tokens, four times faster.
        words = text.lower().translate(_ASCII_WORDS).split()
        return [word for word in words if word != "_"] if "_" in words else words
    return regex_words_of(text)


def regex_words_of(text: str) -> list[str]:
    """`words_of` for any text (its fast path is for ASCII texts without digits)."""
    folded = _DIGITS.sub("0", unicodedata.normalize("NFKC", text).casefold())
    # Digits are word characters: replacing their runs first leaves the tokens' bounds as
    # they were, with one substitution a text instead of one a word.
    return [token for token in _TOKEN.findall(folded) if token != "_"]


def word_shingles(words: list[str], *, size: int = 3) -> set[str]:
    """The word `size`-grams (the whole text as one shingle when shorter)."""
    if len(words) <= size:
        return {" ".join(words)}
    return {" ".join(words[i : i + size]) for i in range(len(words) - size + 1)}


def char_shingles(words: list[str], *, size: int = 5) -> set[str]:
    """The character `size`-grams of the normalised text (words joined by one space)."""
    joined = " ".join(words)
    if len(joined) <= size:
        return {joined}
    return {joined[i : i + size] for i in range(len(joined) - size + 1)}
