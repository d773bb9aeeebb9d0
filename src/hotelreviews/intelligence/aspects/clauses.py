"""Text to sentences to clauses to per-aspect scores: the rule-based core, one pass over tokens.

Design: a sentence is cut into clauses at contrast markers ("but", "aber", "mais", "pero"; a
leading "although" ends at the next comma), so each side of a contrast keeps its own polarity;
a clause with sentiment but no cue ("... but very uncomfortable") judges the previous clause's
subject. Inside a clause, a sentiment word that is itself a cue ("dirty", "noisy", "overpriced")
counts for its own aspect, and for a thing it is linked to ("the pool was dirty"), never the
room; any other sentiment word goes to the nearest cue; a cue left without sentiment shares the
judgement of a cue coordinated with it ("breakfast and staff were great"). A negation within
the three words before a sentiment word flips it (VADER's window and damping); a clause-final
one flips the last ("funktionierte nicht"); a cue right after one is an absence ("no kettle").
Rules instead of a trained model: no labelled hotel corpus ships offline, and this must cost
microseconds per review at ingestion: the whole text is tokenized once (sentence ends become
SENTENCE_MARK tokens), one dict probe per token, no per-call tables.
"""

from __future__ import annotations

import re

from hotelreviews.intelligence.aspects.assign import Cues, Found, assign, attached
from hotelreviews.intelligence.aspects.tables import (
    COMMA,
    CONTRAST,
    NEGATION,
    NOTHING,
    PHRASE_START,
    SENTENCE_END,
    SUBORDINATOR,
    TOO,
    TOO_TARGET,
    Info,
    Tables,
)

# Sentence ends become a marker token by str.replace (C speed, no regex pass), then every other
# punctuation mark becomes a space in one regex pass, and str.split does the rest: 3x faster
# than a findall over unicode word classes.
SENTENCE_MARK = "\u00b6"
_ENDS = (". ", "! ", "? ", "\n", "\u2026", "\u3002", "\uff01", "\uff1f")
_PUNCTUATION = re.compile(
    r"[.!?:()\"/'\u00ab\u00bb\u201c\u201d\u201e\u00a1\u00bf\u2013\u2014\-\[\]*+&%$#@~<>=|{}\u3001]+"
)
_CUTS = frozenset({",", ";", SENTENCE_MARK})  # where a positives/negatives field is cut
# The same cuts in the original text, for showing a sentence as written (sentence_pieces).
_END_PATTERN = "|".join(re.escape(end) for end in _ENDS)
_SENTENCE_CUT = re.compile(f"({_END_PATTERN})")
_FIELD_CUT = re.compile(f"({_END_PATTERN}|[,;])")
_NEGATION_WINDOW = 3
_NEGATION_DAMPING = -0.74  # VADER's N_SCALAR: "not great" is weaker than "bad"
_TOO = -1.5  # valence of "too small", "zu laut", "trop cher"
_ABSENT = -1.0  # a thing named right after a negation: "no hot water", "pas de wifi"
_ABSENCE_WINDOW = 2


def tokens_of(text: str, *, tables: Tables) -> list[str]:
    """Lowercased words, "," ";" and SENTENCE_MARK (any sentence end); contractions expanded."""
    lowered = text.lower()
    if "'" in lowered or "\u2019" in lowered:
        lowered = lowered.replace("\u2019", "'")
        for contraction, expanded in tables.contractions:
            lowered = lowered.replace(contraction, expanded)
    for end in _ENDS:
        if end in lowered:
            lowered = lowered.replace(end, " \u00b6 ")
    spaced = _PUNCTUATION.sub(" ", lowered)
    if "," in spaced:
        spaced = spaced.replace(",", " , ")
    if ";" in spaced:
        spaced = spaced.replace(";", " ; ")
    return spaced.split()


def _lookup(tokens: list[str], i: int, *, tables: Tables) -> tuple[Info, int]:
    """The info of the phrase or word at `i` (a word known to start a phrase), and its width."""
    for size in tables.phrase_sizes:
        phrase = tables.phrases.get(" ".join(tokens[i : i + size]))
        if phrase is not None:
            return phrase, size
    return tables.info[tokens[i]], 1


def _trailing_negation(
    found: tuple[int, float, tuple[str, ...]], *, tokens: list[str], tables: Tables
) -> tuple[int, float, tuple[str, ...]]:
    """A clause-final negation flips the last sentiment word ("Das WLAN funktionierte nicht"),
    unless a negation before that word already did ("ne fonctionnait pas")."""
    position, valence, own = found
    before = tokens[max(0, position - _NEGATION_WINDOW) : position]
    if any(tables.info.get(t, NOTHING)[2] & NEGATION for t in before):
        return found
    return position, valence * _NEGATION_DAMPING, own


def _subject(cues: Cues, found: Found) -> tuple[str, ...]:
    """The aspects of a clause's first cue naming a thing, not judging ("beds", not "clean")."""
    judged = {position for position, _, own in found if own}
    for position, aspects, _ in cues:
        if position not in judged:
            return aspects
    return ()


def text_scores(text: str, *, tables: Tables) -> list[dict[str, float]]:
    """Per sentence of `text`, the signed sentiment per aspect (aspects with none are absent)."""
    tokens = tokens_of(text, tables=tables)
    info_of = tables.info
    seconds = tables.phrase_seconds
    affixes = bool(tables.prefixes or tables.suffixes)
    # flags and thresholds as locals: this loop runs for every token of every review
    boundary, contrast, marked = CONTRAST | COMMA, CONTRAST, NEGATION | TOO
    negation, too, too_target, phrase_start = NEGATION, TOO, TOO_TARGET, PHRASE_START
    window, damping, absence, absent, too_valence = (
        _NEGATION_WINDOW, _NEGATION_DAMPING, _ABSENCE_WINDOW, _ABSENT, _TOO
    )  # fmt: skip
    sentences: list[dict[str, float]] = []
    into: dict[str, float] = {}
    cues: Cues = []
    found: Found = []
    negated_at = too_at = -9  # position of the clause's last negation / "too"
    until_comma = False
    previous: tuple[Cues, Found] | None = None  # the last clause, whose subject a bare one takes
    last_word = -1
    words = 0  # in the current sentence: a "." after none ends nothing
    n = len(tokens)
    i = 0
    while i < n:
        info = info_of.get(tokens[i])
        width = 1
        if info is None:
            if not affixes:
                words += 1
                last_word = i
                i += 1
                continue
            info = tables.affix_info(tokens[i])
        elif info[2] & phrase_start and i + 1 < n and tokens[i + 1] in seconds[tokens[i]]:
            info, width = _lookup(tokens, i, tables=tables)
        aspects, valence, flags = info
        if flags & boundary:
            if flags & contrast or until_comma:
                if negated_at == last_word and found and found[-1][0] < negated_at:
                    found[-1] = _trailing_negation(found[-1], tokens=tokens, tables=tables)
                if found and not cues and previous:
                    subject = _subject(*previous)
                    if subject:  # "the beds were clean but (...) uncomfortable"
                        cues = [(found[0][0], subject, False)]
                if cues and found:
                    assign(cues, found, into, tokens=tokens)
                previous = (cues, found) if cues else None
                cues, found = [], []
                negated_at = too_at = -9
                until_comma = bool(flags & SUBORDINATOR)
                if flags & SENTENCE_END:
                    previous = None
                if flags & SENTENCE_END and words:
                    sentences.append(into)
                    into = {}
                    words = 0
            i += width
            continue
        words += 1
        last_word = i
        if flags & marked:
            if flags & negation:
                negated_at = i + width - 1  # a phrase ("would have liked") ends at its last word
            if flags & too:
                too_at = i
        if too_at == i - 1 and (flags & too_target or valence < 0):
            valence = min(valence, too_valence)
        if aspects:
            cues.append((i + width - 1, aspects, attached(tokens, i)))  # at its last word
        if valence:
            if i - negated_at <= window:
                valence *= damping
            found.append((i, valence, aspects))
        elif aspects and i - negated_at <= absence:
            found.append((i, absent, aspects))  # "no kettle", "kein WLAN", "sin ascensor"
        i += width
    if negated_at == last_word and found and found[-1][0] < negated_at:
        found[-1] = _trailing_negation(found[-1], tokens=tokens, tables=tables)
    if found and not cues and previous:
        subject = _subject(*previous)
        if subject:
            cues = [(found[0][0], subject, False)]
    if cues and found:
        assign(cues, found, into, tokens=tokens)
    if words:
        sentences.append(into)
    return sentences


def sentence_scores(text: str, *, tables: Tables) -> dict[str, float]:
    """The signed sentiment per aspect of `text` taken as one sentence."""
    merged: dict[str, float] = {}
    for scores in text_scores(text, tables=tables):
        for aspect, total in scores.items():
            merged[aspect] = merged.get(aspect, 0.0) + total
    return merged


def cue_parts(text: str, *, tables: Tables, at_commas: bool) -> list[list[str]]:
    """Per part of `text` (sentences, or also cut at , and ;), the aspects its cues name."""
    tokens = tokens_of(text, tables=tables)
    info_of = tables.info
    affixes = bool(tables.prefixes or tables.suffixes)
    cut = SENTENCE_END | (COMMA | CONTRAST if at_commas else 0)
    parts: list[list[str]] = []
    seen: list[str] = []
    words = 0
    i = 0
    n = len(tokens)
    while i < n:
        info = info_of.get(tokens[i])
        width = 1
        if info is None:
            words += 1
            if not affixes:
                i += 1
                continue
            info = tables.affix_info(tokens[i])
        elif info[2] & PHRASE_START:
            info, width = _lookup(tokens, i, tables=tables)
        if info[2] & cut and tokens[i] in _CUTS:
            if words:
                parts.append(seen)
            seen, words = [], 0
            i += 1
            continue
        words += 1
        for aspect in info[0]:
            if aspect not in seen:
                seen.append(aspect)
        i += width
    if words:
        parts.append(seen)
    return parts


def sentence_pieces(text: str, *, at_commas: bool) -> list[str]:
    """`text` cut where tokens_of puts a sentence end (and also at , and ; with `at_commas`),
    as written: a piece tokenizes to one sentence of text_scores or one part of cue_parts, or
    to none (no words); analyze.review_sentences keeps the ones the analyser counted."""
    # split() with a group alternates piece, cut, piece, ...: a sentence keeps its "!" or "?"
    # (alone, without the space after it, no end to tokens_of); a field part drops its comma.
    split = (_FIELD_CUT if at_commas else _SENTENCE_CUT).split(text)
    ends = [*split[1::2], ""]
    pieces = [(piece + end).strip() for piece, end in zip(split[::2], ends, strict=True)]
    return [piece.rstrip(",;").rstrip() for piece in pieces] if at_commas else pieces


def cue_aspects(text: str, *, tables: Tables) -> list[str]:
    """The aspects whose cues occur anywhere in `text`, in order of first mention."""
    seen: list[str] = []
    for part in cue_parts(text, tables=tables, at_commas=False):
        seen.extend(a for a in part if a not in seen)
    return seen
