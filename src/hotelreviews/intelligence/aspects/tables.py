"""Per-language lookup tables compiled once at import from the word lists.

Every lookup at analysis time is a dict or frozenset probe on a lowercased token: no regex per
word, no per-call structures. English valences are VADER's own lexicon (~7,500 words, shipped in
the vaderSentiment wheel) with the hotel-domain overrides of cues_en; de/fr/es use the small
lexicons of their cue modules, inflected here for gender and number.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

from hotelreviews.intelligence.aspects import cues_de, cues_en, cues_es, cues_fr
from hotelreviews.intelligence.aspects.words import LanguageWords

NO_ASPECTS: tuple[str, ...] = ()
_MEMO_LIMIT = 100_000  # distinct tokens remembered per language; beyond it, affixes are re-tried


@dataclass(slots=True)
class Tables:
    """One language's cues (word, phrase, prefix, suffix), valences and clause words."""

    words: dict[str, tuple[str, ...]]
    phrases: dict[str, tuple[str, ...]]  # "front desk" and "salle de bain", keyed by the words
    longest_phrase: int
    prefixes: tuple[tuple[str, tuple[str, ...]], ...]
    suffixes: tuple[tuple[str, tuple[str, ...]], ...]
    valences: dict[str, float]
    source: LanguageWords
    memo: dict[str, tuple[str, ...]] = field(default_factory=dict)
    prefix_starts: tuple[str, ...] = ()
    suffix_ends: tuple[str, ...] = ()
    phrase_starts: frozenset[str] = frozenset()

    def aspects_of(self, token: str) -> tuple[str, ...]:
        """The aspects a single token is a cue for (exact, then prefix, then suffix)."""
        found = self.memo.get(token)
        if found is not None:
            return found
        found = self.words.get(token, NO_ASPECTS)
        if not found and token.startswith(self.prefix_starts):
            found = next(a for p, a in self.prefixes if token.startswith(p))
        if not found and token.endswith(self.suffix_ends):
            found = next(a for s, a in self.suffixes if token.endswith(s))
        if len(self.memo) < _MEMO_LIMIT:
            self.memo[token] = found
        return found


def _add(index: dict[str, tuple[str, ...]], key: str, aspect: str) -> None:
    if aspect not in index.get(key, NO_ASPECTS):
        index[key] = index.get(key, NO_ASPECTS) + (aspect,)


def inflect(word: str, language: str) -> Iterable[str]:
    """The gender/number forms of a lexicon word (adjective agreement), the word itself first."""
    yield word
    if " " in word:
        return
    if language == "de":
        yield from (word + e for e in ("e", "en", "er", "es", "em"))
    elif language == "fr":
        yield word + "s"
        if word.endswith("eux"):
            yield from (word[:-1] + "se", word[:-1] + "ses")
        elif not word.endswith("e"):
            yield from (word + "e", word + "es")
    elif language == "es":
        if word.endswith("o"):
            yield from (word[:-1] + "a", word + "s", word[:-1] + "as")
        else:
            yield from (word + "s", word + "es")


def compile_tables(words: LanguageWords, *, language: str, base: dict[str, float]) -> Tables:
    """Lookup tables for one language from its word lists and a base valence lexicon."""
    exact: dict[str, tuple[str, ...]] = {}
    phrases: dict[str, tuple[str, ...]] = {}
    prefixes: dict[str, tuple[str, ...]] = {}
    suffixes: dict[str, tuple[str, ...]] = {}
    for aspect, cues in words.cues.items():
        for cue in cues:
            cue = cue.replace("-", " ")
            if cue.endswith("*"):
                _add(prefixes, cue[:-1], aspect)
            elif cue.startswith("*"):
                _add(suffixes, cue[1:], aspect)
            elif " " in cue:
                _add(phrases, cue, aspect)
            else:
                _add(exact, cue, aspect)
    valences = dict(base)
    explicit = {w.replace("-", " ") for w in words.valences}
    for word, valence in words.valences.items():
        for form in inflect(word.replace("-", " "), language):
            if form == word or form not in explicit:
                valences[form] = valence
    for word in words.negations | words.contrast:
        valences.pop(word, None)  # a negation or marker is structure, not sentiment
    for word in words.contrast_kept:
        valences[word] = words.valences.get(word, -1.2)
    # longest prefixes and suffixes first, so "frühstücksraum" is food, not a shorter cue
    by_length = sorted(prefixes.items(), key=lambda kv: -len(kv[0]))
    ends = sorted(suffixes.items(), key=lambda kv: -len(kv[0]))
    return Tables(
        words=exact,
        phrases=phrases,
        longest_phrase=max((p.count(" ") + 1 for p in phrases), default=1),
        prefixes=tuple(by_length),
        suffixes=tuple(ends),
        valences=valences,
        source=words,
        prefix_starts=tuple(p for p, _ in by_length),
        suffix_ends=tuple(s for s, _ in ends),
        phrase_starts=frozenset(p.split(" ", 1)[0] for p in phrases),
    )


def _vader_lexicon() -> dict[str, float]:
    # Built once at import: the analyzer reads its lexicon file from the installed wheel.
    return dict(SentimentIntensityAnalyzer().lexicon)


TABLES: dict[str, Tables] = {
    "en": compile_tables(cues_en.WORDS, language="en", base=_vader_lexicon()),
    "de": compile_tables(cues_de.WORDS, language="de", base={}),
    "fr": compile_tables(cues_fr.WORDS, language="fr", base={}),
    "es": compile_tables(cues_es.WORDS, language="es", base={}),
}
