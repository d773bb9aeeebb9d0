"""Within one clause, which aspect each sentiment word judges.

Design: proximity and a few syntactic hints, no parser. A sentiment word that is itself a cue
("dirty", "noisy", "overpriced") judges its own aspect, and a thing linked to it by a copula
("the pool was dirty"), never the room: a dirty or noisy room is a cleanliness or noise
complaint. Any other sentiment word goes to the nearest cue. A cue left without sentiment shares
the judgement of one coordinated with it ("breakfast and staff were great"). A parser would do
better on long sentences; it would also cost milliseconds, not microseconds.
"""

from __future__ import annotations

_COORDINATION_GAP = 4  # tokens from one cue to the next: "the breakfast and the staff"
_LINK_GAP = 5
_LINKS = frozenset(
    {
        "was", "is", "were", "are", "be", "been", "felt", "looked", "seemed", "very", "so",
        "really", "quite", "too", "extremely", "bit", "somewhat", "a", "the", "and", "not",
        "war", "ist", "sind", "waren", "sehr", "zu", "etwas", "ziemlich", "und", "nicht",
        "était", "est", "sont", "étaient", "très", "trop", "assez", "un", "peu", "et", "pas",
        "estaba", "era", "es", "fue", "son", "estaban", "eran", "muy", "demasiado", "y", "no",
    }
)  # fmt: skip
_COORDINATORS = frozenset(
    {
        ",", "&", "and", "or", "the", "a", "an", "our", "also", "both", "very",
        "und", "oder", "der", "die", "das", "den", "dem", "ein", "eine", "sehr",
        "et", "ou", "le", "la", "les", "l", "un", "une", "très",
        "y", "e", "o", "el", "los", "las", "una", "muy",
    }
)  # fmt: skip

# (position, aspects, attached): "attached" cues follow a preposition ("service at the bar"):
# they modify another noun, so a sentiment word prefers a free cue unless it touches one.
_PREPOSITIONS = frozenset(
    {
        "at", "in", "of", "from", "near", "to", "for", "with", "by", "on", "around", "into",
        "im", "am", "vom", "von", "zum", "zur", "bei", "beim", "mit", "auf", "aus", "für",
        "à", "au", "aux", "de", "du", "des", "dans", "près", "pour", "avec", "sur", "en",
        "al", "del", "desde", "con", "para", "por", "cerca",
    }
)  # fmt: skip
_DETERMINERS = frozenset(
    {
        "the", "a", "an", "our", "my", "their", "your", "its", "this", "that",
        "der", "die", "das", "dem", "den", "des", "ein", "eine", "einem", "einer", "unser",
        "unserem", "unserer", "le", "la", "les", "l", "un", "une", "notre", "nos",
        "el", "los", "las", "una", "nuestra", "nuestro",
    }
)  # fmt: skip


def attached(tokens: list[str], i: int) -> bool:
    """Whether the word at `i` follows a preposition (articles skipped): "at the bar"."""
    j = i - 1
    if j >= 0 and tokens[j] in _DETERMINERS:
        j -= 1
    return j >= 0 and tokens[j] in _PREPOSITIONS


Cues = list[tuple[int, tuple[str, ...], bool]]
Found = list[tuple[int, float, tuple[str, ...]]]


def assign(cues: Cues, found: Found, into: dict[str, float], *, tokens: list[str]) -> None:
    """Add one clause's sentiment to its aspects (own cue, else nearest cue, else shared)."""
    first = cues[0][1]
    if len(cues) == 1 or all(aspects == first for _, aspects, _ in cues):
        # the common case, one aspect named (maybe twice: "the room ... the bed"): it gets all
        total = sum(valence for _, valence, _ in found)
        if total:
            for aspect in first:
                into[aspect] = into.get(aspect, 0.0) + total
        return
    scored: dict[str, float] = {}
    evaluative: list[tuple[int, float]] = []
    for position, valence, own in found:
        if own:
            for aspect in own:
                scored[aspect] = scored.get(aspect, 0.0) + valence
            evaluative.append((position, valence))
            continue
        nearest = min(abs(p - position) for p, _, _ in cues)
        if nearest > 1 and not all(attached for _, _, attached in cues):
            candidates = [c for c in cues if not c[2]]  # "service at the bar was slow": service
            nearest = min(abs(p - position) for p, _, _ in candidates)
        else:
            candidates = cues
        for p, aspects, _ in candidates:
            if abs(p - position) == nearest:
                for aspect in aspects:
                    scored[aspect] = scored.get(aspect, 0.0) + valence
    judged = scored.keys()
    # "The pool was dirty", "expensive parking": an evaluative word also judges a thing named
    # next to it (only a copula, articles or intensifiers between), unless that is the room (a
    # dirty or noisy room is a cleanliness or noise complaint, not a room one).
    for position, valence in evaluative:
        for p, aspects, attached_ in cues:
            if p == position or attached_ or "room" in aspects or not judged.isdisjoint(aspects):
                continue
            low, high = (p, position) if p < position else (position, p)
            if high - low <= _LINK_GAP and _LINKS.issuperset(tokens[low + 1 : high]):
                for aspect in aspects:
                    scored[aspect] = scored.get(aspect, 0.0) + valence
                break
    # "Breakfast and staff were great": a bare cue coordinated with a judged one shares it.
    if any(judged.isdisjoint(aspects) for _, aspects, _ in cues):
        evaluated = {position for position, _ in evaluative}
        for _ in range(2):  # twice, so a chain "wifi, breakfast and parking" shares along
            for (left, left_aspects, _), (right, right_aspects, _) in zip(
                cues, cues[1:], strict=False
            ):
                if right - left > _COORDINATION_GAP or not _COORDINATORS.issuperset(
                    tokens[left + 1 : right]
                ):
                    continue
                for bare, other, other_at in (
                    (left_aspects, right_aspects, right),
                    (right_aspects, left_aspects, left),
                ):
                    shared = sum(scored.get(a, 0.0) for a in other)
                    if not shared or (other_at in evaluated and "room" in bare):
                        continue
                    for aspect in bare:
                        if aspect not in scored:
                            scored[aspect] = shared
    for aspect, total in scored.items():
        if total:
            into[aspect] = into.get(aspect, 0.0) + total
