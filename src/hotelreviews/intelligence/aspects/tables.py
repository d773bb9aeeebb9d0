"""Per-language lookup tables compiled once at import from the word lists.

One dict maps every word the analyzer cares about to (aspects, valence, flags), so the scorer
pays one dict probe per token and most tokens ("the", "was") miss at once. Phrases ("front
desk", "could not be better", "bien que") live in a second dict, probed only after a word that
starts one. English valences are VADER's own lexicon (~7,500 words, shipped in the
vaderSentiment wheel) with the hotel-domain overrides of cues_en; de/fr/es use the small
lexicons of their cue modules, inflected here for gender and number.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

from hotelreviews.intelligence.aspects import cues_de, cues_en, cues_es, cues_fr
from hotelreviews.intelligence.aspects.words import LanguageWords

NO_ASPECTS: tuple[str, ...] = ()
# flags of a word or phrase
NEGATION = 1
CONTRAST = 2  # ends a clause
SUBORDINATOR = 4  # a clause it opens ends at the next comma ("although ..., ...")
TOO = 16  # "too", "zu", "trop"
TOO_TARGET = 32  # negative after TOO: "small", "klein", "petit"
PHRASE_START = 64
COMMA = 128
SENTENCE_END = 256

Info = tuple[tuple[str, ...], float, int]  # (aspects, valence, flags)
NOTHING: Info = (NO_ASPECTS, 0.0, 0)
_MEMO_LIMIT = 100_000  # distinct unknown tokens remembered per language (German affix checks)


@dataclass(slots=True)
class Tables:
    """One language's words and phrases with their aspects, valence and flags."""

    info: dict[str, Info]
    phrases: dict[str, Info]
    phrase_sizes: tuple[int, ...]  # longest first
    # first word -> the words that can follow it in a phrase: most "the" need no phrase probe
    phrase_seconds: dict[str, frozenset[str]]
    prefixes: tuple[tuple[str, tuple[str, ...]], ...]
    suffixes: tuple[tuple[str, tuple[str, ...]], ...]
    contractions: tuple[tuple[str, str], ...]
    stem_valences: dict[str, float]  # a compound's valence is its cue stem's ("straßenlärm")
    memo: dict[str, Info] = field(default_factory=dict)

    def affix_info(self, token: str) -> Info:
        """Info of a token not in `info`: its prefix or suffix cue (compounds), or NOTHING."""
        found = self.memo.get(token)
        if found is None:
            found = NOTHING
            stem, aspects = affix_match(token, prefixes=self.prefixes, suffixes=self.suffixes)
            if aspects:
                found = (aspects, self.stem_valences.get(stem, 0.0), 0)
            if len(self.memo) < _MEMO_LIMIT:
                self.memo[token] = found
        return found


def affix_match(
    token: str,
    *,
    prefixes: tuple[tuple[str, tuple[str, ...]], ...],
    suffixes: tuple[tuple[str, tuple[str, ...]], ...],
) -> tuple[str, tuple[str, ...]]:
    """The longest prefix cue, else the longest suffix cue, `token` matches, and its aspects."""
    for prefix, aspects in prefixes:
        if token.startswith(prefix):
            return prefix, aspects
    for suffix, aspects in suffixes:
        if token.endswith(suffix):
            return suffix, aspects
    return "", NO_ASPECTS


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
        elif word.endswith("or"):  # encantador, acogedor
            yield from (word + "a", word + "es", word + "as")
        else:
            yield from (word + "s", word + "es")


def _merge(index: dict[str, Info], key: str, *, aspects: Iterable[str] = (), flags: int = 0,
           valence: float | None = None) -> None:  # fmt: skip
    old_aspects, old_valence, old_flags = index.get(key, NOTHING)
    merged = old_aspects + tuple(a for a in aspects if a not in old_aspects)
    index[key] = (merged, old_valence if valence is None else valence, old_flags | flags)


def _valences(words: LanguageWords, *, language: str, base: dict[str, float]) -> dict[str, float]:
    valences = {k: v for k, v in base.items() if " " not in k}
    explicit = {w.replace("-", " ") for w in words.valences}
    for word, valence in words.valences.items():
        word = word.replace("-", " ")
        for form in inflect(word, language):
            if form == word or form not in explicit:
                valences[form] = valence
    for word in words.negations | words.contrast:
        if word not in words.contrast_kept:
            valences.pop(word, None)  # a negation or a marker is structure, not sentiment
    for word in words.contrast_kept:
        valences[word] = words.valences.get(word, -1.2)
    return valences


def compile_tables(words: LanguageWords, *, language: str, base: dict[str, float]) -> Tables:
    """Lookup tables for one language from its word lists and a base valence lexicon."""
    info: dict[str, Info] = {}
    phrases: dict[str, Info] = {}
    prefixes: dict[str, tuple[str, ...]] = {}
    suffixes: dict[str, tuple[str, ...]] = {}
    for aspect, cues in words.cues.items():
        for cue in cues:
            cue = cue.replace("-", " ")
            if cue.endswith("*"):
                prefixes[cue[:-1]] = prefixes.get(cue[:-1], ()) + (aspect,)
            elif cue.startswith("*"):
                suffixes[cue[1:]] = suffixes.get(cue[1:], ()) + (aspect,)
            else:
                _merge(phrases if " " in cue else info, cue, aspects=(aspect,))
    valences = _valences(words, language=language, base=base)
    for word, valence in valences.items():
        _merge(phrases if " " in word else info, word, valence=valence)
    for phrase, (aspects, _, flags) in list(phrases.items()):
        if phrase not in valences:  # a cue phrase means what its words mean ("far from")
            total = sum(valences.get(w, 0.0) for w in phrase.split(" "))
            phrases[phrase] = (aspects, total, flags)
    contractions = tuple((k, v) for k, v in words.idioms if "'" in k)
    for idiom, replacement in words.idioms:
        if "'" in idiom:
            continue  # a contraction, expanded in the text before tokenizing
        # an idiom is a phrase with its replacement's meaning ("rip-off" -> "ripoff")
        key = idiom.replace("-", " ")
        index = phrases if " " in key else info
        _merge(index, key, valence=valences.get(replacement, 0.0), flags=0)
        if replacement in words.contrast:
            _merge(index, key, flags=CONTRAST)
        if replacement in words.too_words:
            _merge(index, key, flags=TOO)
        if replacement in words.negations:  # "could have been (cleaner)"
            _merge(index, key, flags=NEGATION)
        for aspect, cues in words.cues.items():
            if replacement in cues:
                _merge(index, key, aspects=(aspect,))
    for group, flag in (
        (words.negations, NEGATION),
        (words.contrast - words.contrast_kept, CONTRAST),
        (words.subordinators, SUBORDINATOR),
        (words.too_words, TOO),
        (words.too_targets, TOO_TARGET),
    ):
        for word in group:
            key = word.replace("_", " ")
            _merge(phrases if " " in key else info, key, flags=flag)
    for phrase in phrases:
        _merge(info, phrase.split(" ", 1)[0], flags=PHRASE_START)
    info[","] = (NO_ASPECTS, 0.0, COMMA)
    info[";"] = (NO_ASPECTS, 0.0, CONTRAST)
    info["\u00b6"] = (NO_ASPECTS, 0.0, CONTRAST | SENTENCE_END)  # clauses.SENTENCE_MARK
    by_length = tuple(sorted(prefixes.items(), key=lambda kv: -len(kv[0])))
    ends = tuple(sorted(suffixes.items(), key=lambda kv: -len(kv[0])))
    for word, (aspects, _, _) in list(info.items()):
        _, extra = affix_match(word, prefixes=by_length, suffixes=ends)
        if extra and not aspects:  # "klimaanlage" is a room cue, not a "*lage" location one
            _merge(info, word, aspects=extra)
    sizes = sorted({p.count(" ") + 1 for p in phrases}, reverse=True)
    seconds: dict[str, set[str]] = {}
    for phrase in phrases:
        first, second = phrase.split(" ")[:2]
        seconds.setdefault(first, set()).add(second)
    return Tables(
        info=info,
        phrases=phrases,
        phrase_sizes=tuple(sizes),
        phrase_seconds={first: frozenset(words) for first, words in seconds.items()},
        prefixes=by_length,
        suffixes=ends,
        contractions=contractions,
        stem_valences={stem: valences[stem] for stem, _ in by_length + ends if stem in valences},
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
