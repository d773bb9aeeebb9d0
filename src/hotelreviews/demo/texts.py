"""Review texts: plans composed in advance, sentences picked per review from labelled pools.

See sentences.py for why a text is a plan plus per-review sentence picks. Everything a line
maker needs is prepared here once as JSON-escaped bytes, so a review's text costs a few table
lookups and one join.
"""

from __future__ import annotations

from random import Random

import orjson

from hotelreviews.demo.catalog import CITIES, LANGUAGES
from hotelreviews.demo.phrases import Bank
from hotelreviews.demo.phrases_asia import JA, VI
from hotelreviews.demo.phrases_en import EN
from hotelreviews.demo.phrases_eu import DE, ES, FR, PT
from hotelreviews.demo.sentences import (
    MAX_SENTENCES,
    SENTENCE_BITS,
    Label,
    Plan,
    aspects_of,
    labels_of,
    sentence_pool,
)

BANKS: dict[str, Bank] = {"en": EN, "de": DE, "fr": FR, "es": ES, "vi": VI, "ja": JA, "pt": PT}
POOL_BITS = 8  # 256 text plans per language and rating tier
SENTENCE_MASK = (1 << SENTENCE_BITS) - 1
_PRAISE_CHANCE = (0.05, 0.25, 0.55, 0.85, 0.97)  # per sentence, by tier
_SENTENCES = (2, 3, 3, 3, 4, 4, 4, 5)
assert max(_SENTENCES) <= MAX_SENTENCES
_JOIN = {"ja": ""}
_AREA = ("location", True)  # a word on the area (city_lines) praises the location

# a plan ready for a line: (title, MAX_SENTENCES sentence pools, Booking's liked labels,
# disliked labels). Sentence
# k is pool k's entry at bits 10k..10k+9 of one 64-bit draw; pools after the first carry the
# separator in front, unused ones are all empty, so a line maker picks all five without a loop.
Pools = tuple[tuple[bytes, ...], ...]
PlanBytes = tuple[bytes, Pools, bytes, bytes]
EMPTY_POOL: tuple[bytes, ...] = (b"",) * (1 << SENTENCE_BITS)


def jb(text: str) -> bytes:
    """`text` escaped as the inside of a JSON string (UTF-8), exactly as orjson writes it."""
    return orjson.dumps(text)[1:-1]


def tier_of(rating10: float) -> int:
    """Rating tier 0..4 (terrible, poor, okay, good, great) of a rating on the 10-point scale."""
    if rating10 < 4.0:
        return 0
    if rating10 < 6.0:
        return 1
    if rating10 < 7.5:
        return 2
    if rating10 < 9.0:
        return 3
    return 4


def _pick(rng: Random, options: tuple[str, ...]) -> str:
    return options[int(rng.random() * len(options))]  # cheaper than rng.choice


def _plan(
    rng: Random, bank: Bank, tier: int, names: tuple[str, ...], short: dict[str, tuple[str, str]]
) -> Plan:
    n = min(len(names), _SENTENCES[int(rng.random() * len(_SENTENCES))])
    chosen = rng.sample(names, n)
    labels, good, bad = [], [], []
    for k, aspect in enumerate(chosen):
        good_label, bad_label = short[aspect]
        # the first sentence sets the tone; the okay tier may start either way
        first = k == 0 and tier != 2
        positive = (tier >= 3) if first else (rng.random() < _PRAISE_CHANCE[tier])
        labels.append((aspect, positive))
        (good if positive else bad).append(good_label if positive else bad_label)
    title = _pick(rng, bank.titles[tier]) if rng.random() < 0.9 else ""
    if rng.random() >= 0.98:
        labels = []  # a title and no text, as some guests leave
    return Plan(title, tuple(labels), ", ".join(good), ", ".join(bad))


def truth_json(labels: tuple[Label, ...]) -> bytes:
    """The truth of a text's sentences: one list of [aspect, polarity] pairs per sentence."""
    return orjson.dumps([[[a, "positive" if p else "negative"]] for a, p in labels])


def _landmark(name: str, lang: str) -> str:
    return name[4:] if lang != "en" and name.startswith("the ") else name


class Texts:
    """Per language and tier, text plans; per (language, aspect, polarity), a sentence pool;
    per city and language, local sentences."""

    def __init__(self, seed: int) -> None:
        rng = Random(f"texts/{seed}")
        size = 1 << POOL_BITS
        names = {lang: aspects_of(BANKS[lang], lang) for lang in LANGUAGES}
        labels = {lang: {a: labels_of(BANKS[lang], a) for a in names[lang]} for lang in LANGUAGES}
        self.plans: dict[str, tuple[tuple[Plan, ...], ...]] = {
            lang: tuple(
                tuple(_plan(rng, BANKS[lang], tier, names[lang], labels[lang]) for _ in range(size))
                for tier in range(5)
            )
            for lang in LANGUAGES
        }
        self.sentences: dict[tuple[str, str, bool], tuple[str, ...]] = {
            (lang, aspect, positive): tuple(
                sentence_pool(
                    bank=BANKS[lang], lang=lang, aspect=aspect, positive=positive, seed=seed
                )
            )
            for lang in LANGUAGES
            for aspect in aspects_of(BANKS[lang], lang)
            for positive in (True, False)
        }
        self.separator = {lang: _JOIN.get(lang, " ") for lang in LANGUAGES}
        self.city_lines: dict[tuple[str, str], tuple[str, ...]] = {
            (city.name, lang): tuple(
                t.format(landmark=_landmark(mark, lang))
                for t in BANKS[lang].city
                for mark in city.landmarks
            )
            for city in CITIES
            for lang in LANGUAGES
        }

        # The same texts escaped for JSON, for lines assembled from ready-made fragments.
        sentences_json = {}  # (language, aspect, positive, first) -> pool
        for (lang, aspect, positive), pool in self.sentences.items():
            # one bytes object per distinct sentence: repeats share it (less memory to touch)
            first = {t: jb(t) for t in dict.fromkeys(pool)}
            after = {t: self.separator[lang].encode() + b for t, b in first.items()}
            sentences_json[lang, aspect, positive, True] = tuple(first[t] for t in pool)
            sentences_json[lang, aspect, positive, False] = tuple(after[t] for t in pool)
        escaped: dict[str, bytes] = {}  # titles and labels repeat: escape each once
        self.plans_json: dict[str, tuple[tuple[PlanBytes, ...], ...]] = {
            lang: tuple(
                tuple(_plan_bytes(plan, lang, sentences_json, escaped) for plan in tier)
                for tier in plans
            )
            for lang, plans in self.plans.items()
        }
        self.city_lines_json = {k: tuple(jb(t) for t in v) for k, v in self.city_lines.items()}
        self.responses_json = {
            (lang, good): tuple(jb(t) for t in (b.responses_good if good else b.responses_bad))
            for lang, b in BANKS.items()
            for good in (False, True)
        }

    def compose(self, *, lang: str, plan: Plan, bits: int) -> str:
        """The text a line maker writes for `plan` and 64 random `bits` (for planted copies)."""
        return self.separator[lang].join(
            self.sentences[lang, aspect, positive][(bits >> (SENTENCE_BITS * k)) & SENTENCE_MASK]
            for k, (aspect, positive) in enumerate(plan.labels)
        )

    def response(self, lang: str, tier: int, k: int) -> str:
        bank = BANKS[lang]
        options = bank.responses_good if tier >= 3 else bank.responses_bad
        return options[k % len(options)]

    def update(self, lang: str, up: bool, k: int) -> str:
        bank = BANKS[lang]
        options = bank.updates_up if up else bank.updates_down
        return options[k % len(options)]


def _plan_bytes(
    plan: Plan,
    lang: str,
    sentences: dict[tuple[str, str, bool, bool], tuple[bytes, ...]],
    escaped: dict[str, bytes],
) -> PlanBytes:
    used = [
        sentences[lang, aspect, positive, k == 0]
        for k, (aspect, positive) in enumerate(plan.labels)
    ]
    pools = tuple(used + [EMPTY_POOL] * (MAX_SENTENCES - len(used)))
    title, good, bad = (
        escaped.get(t) or escaped.setdefault(t, jb(t)) for t in (plan.title, plan.good, plan.bad)
    )
    return title, pools, good, bad
