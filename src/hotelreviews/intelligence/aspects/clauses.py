"""Sentence to clauses to per-aspect scores: the rule-based core, one pass over the tokens.

Design: a sentence is cut into clauses at contrast markers ("but", "aber", "mais", "pero"; a
leading "although" ends at the next comma), so each side of a contrast keeps its own polarity.
Inside a clause, a sentiment word that is itself a cue ("dirty", "noisy", "overpriced") counts
for its own aspect only; any other sentiment word goes to the nearest cue. An aspect that got
no sentiment of its own inherits the clause's free sentiment ("breakfast and staff were great").
A negation within the three words before a sentiment word flips it (VADER's window and damping).
Rules instead of a trained model: no labelled hotel corpus ships offline, and this runs in
microseconds per sentence at ingestion.
"""

from __future__ import annotations

import re

from hotelreviews.intelligence.aspects.tables import Tables

_TOKEN = re.compile(r"[^\W\d]+|[,;:]")
_NEGATION_WINDOW = 3
_NEGATION_DAMPING = -0.74  # VADER's N_SCALAR: "not great" is weaker than "bad"
_TOO = -1.5  # valence of "too small", "zu laut", "trop cher"


def _idiom_pattern(tables: Tables) -> re.Pattern[str] | None:
    keys = [k for k, _ in tables.source.idioms]
    if not keys:
        return None
    # contractions ("n't") sit inside words; every other idiom is whole words
    parts = [re.escape(k) if k.startswith("n'") else rf"\b{re.escape(k)}\b" for k in keys]
    return re.compile("|".join(parts))


def normalized(text: str, *, tables: Tables, idioms: re.Pattern[str] | None) -> str:
    """Lowercase, straight apostrophes, idioms rewritten ("couldn't be better" -> "perfect")."""
    lowered = text.lower().replace("\u2019", "'")
    if idioms is None:
        return lowered
    replacements = dict(tables.source.idioms)
    return idioms.sub(lambda m: replacements[m.group(0)], lowered)


def split_clauses(tokens: list[str], *, tables: Tables) -> list[list[str]]:
    """Tokens cut at contrast markers; a clause opened by a subordinator closes at its comma."""
    words = tables.source
    clauses: list[list[str]] = []
    current: list[str] = []
    until_comma = False
    for token in tokens:
        if token in words.contrast:
            if current:
                clauses.append(current)
            current = [token] if token in words.contrast_kept else []
            until_comma = token in words.subordinators
        elif token == ";" or (token == "," and until_comma):
            if current:
                clauses.append(current)
            current = []
            until_comma = False
        else:
            current.append(token)
    if current:
        clauses.append(current)
    return clauses


def score_clause(tokens: list[str], *, tables: Tables, into: dict[str, float]) -> None:
    """Add each aspect's signed sentiment in this clause to `into` (aspects with none: absent)."""
    valences = tables.valences
    negations = tables.source.negations
    phrase_starts = tables.phrase_starts
    cue_at: list[tuple[int, tuple[str, ...]]] = []
    found: list[tuple[int, float, tuple[str, ...]]] = []
    n = len(tokens)
    i = 0
    while i < n:
        token = tokens[i]
        width = 1
        aspects: tuple[str, ...] = ()
        valence = 0.0
        if token in phrase_starts:
            for size in range(tables.longest_phrase, 1, -1):
                key = " ".join(tokens[i : i + size])
                phrase = tables.phrases.get(key)
                if phrase is not None:
                    aspects, valence, width = phrase, valences.get(key, 0.0), size
                    break
        if width == 1:
            aspects = tables.aspects_of(token)
            valence = valences.get(token, 0.0)
            after_too = i > 0 and tokens[i - 1] in tables.source.too_words
            if after_too and (token in tables.source.too_targets or valence < 0):
                valence = min(valence, _TOO)
        if aspects:
            cue_at.append((i, aspects))
        if valence:
            start = i - _NEGATION_WINDOW if i > _NEGATION_WINDOW else 0
            for before in tokens[start:i]:
                if before in negations:
                    valence *= _NEGATION_DAMPING
                    break
            found.append((i, valence, aspects))
        i += width
    if not cue_at or not found:
        return
    scored: dict[str, float] = {}
    free = 0.0
    for position, valence, own in found:
        if own:
            for aspect in own:
                scored[aspect] = scored.get(aspect, 0.0) + valence
            continue
        free += valence
        nearest = min(abs(p - position) for p, _ in cue_at)
        for p, aspects in cue_at:
            if abs(p - position) == nearest:
                for aspect in aspects:
                    scored[aspect] = scored.get(aspect, 0.0) + valence
    done: set[str] = set()
    for _, aspects in cue_at:
        for aspect in aspects:
            if aspect in done:
                continue
            done.add(aspect)
            total = scored.get(aspect, free)
            if total:
                into[aspect] = into.get(aspect, 0.0) + total


def sentence_scores(
    text: str, *, tables: Tables, idioms: re.Pattern[str] | None
) -> dict[str, float]:
    """Signed sentiment per aspect in one sentence (aspects with no opinion are absent)."""
    tokens = _TOKEN.findall(normalized(text, tables=tables, idioms=idioms))
    scores: dict[str, float] = {}
    for clause in split_clauses(tokens, tables=tables):
        score_clause(clause, tables=tables, into=scores)
    return scores


def cue_aspects(text: str, *, tables: Tables) -> list[str]:
    """The aspects whose cues occur in `text`, in order of first mention, without polarity."""
    tokens = _TOKEN.findall(text.lower().replace("\u2019", "'"))
    seen: list[str] = []
    for i, token in enumerate(tokens):
        aspects = tables.aspects_of(token)
        if token in tables.phrase_starts:
            for size in range(tables.longest_phrase, 1, -1):
                aspects = aspects + tables.phrases.get(" ".join(tokens[i : i + size]), ())
        for aspect in aspects:
            if aspect not in seen:
                seen.append(aspect)
    return seen
