"""Review texts composed in advance from the phrase banks, so a review costs one table lookup."""

from __future__ import annotations

from random import Random

import orjson

from hotelreviews.demo.catalog import CITIES, LANGUAGES
from hotelreviews.demo.phrases import Bank
from hotelreviews.demo.phrases_asia import JA, VI
from hotelreviews.demo.phrases_en import EN
from hotelreviews.demo.phrases_eu import DE, ES, FR, PT

BANKS: dict[str, Bank] = {"en": EN, "de": DE, "fr": FR, "es": ES, "vi": VI, "ja": JA, "pt": PT}
POOL_BITS = 9  # 512 composed texts per language and rating tier
_PRAISE_CHANCE = (0.05, 0.25, 0.55, 0.85, 0.97)  # per sentence, by tier
_SENTENCES = (1, 2, 2, 2, 3, 3, 3, 4)
_JOIN = {"ja": "", "en": " "}

# (title, comment, positives, negatives)
Text = tuple[str, str, str, str]


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


def _compose(rng: Random, bank: Bank, tier: int, lang: str) -> Text:
    names = list(bank.aspects)
    n = min(len(names), _SENTENCES[int(rng.random() * len(_SENTENCES))])
    chosen = rng.sample(names, n)
    sentences, good, bad = [], [], []
    for k, aspect in enumerate(chosen):
        praise, complaints, good_label, bad_label = bank.aspects[aspect]
        # the first sentence sets the tone; the okay tier may start either way
        first = k == 0 and tier != 2
        if (tier >= 3) if first else (rng.random() < _PRAISE_CHANCE[tier]):
            sentences.append(_pick(rng, praise))
            good.append(good_label)
        else:
            sentences.append(_pick(rng, complaints))
            bad.append(bad_label)
    title = _pick(rng, bank.titles[tier]) if rng.random() < 0.9 else ""
    comment = _JOIN.get(lang, " ").join(sentences) if rng.random() < 0.98 else ""
    return title, comment, ", ".join(good), ", ".join(bad)


def _landmark(name: str, lang: str) -> str:
    return name[4:] if lang != "en" and name.startswith("the ") else name


class Texts:
    """Per language and tier, a pool of composed texts; per city and language, local sentences."""

    def __init__(self, seed: int) -> None:
        rng = Random(f"texts/{seed}")
        size = 1 << POOL_BITS
        self.pools: dict[str, tuple[tuple[Text, ...], ...]] = {
            lang: tuple(
                tuple(_compose(rng, BANKS[lang], tier, lang) for _ in range(size))
                for tier in range(5)
            )
            for lang in LANGUAGES
        }
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
        self.pools_json = {
            lang: tuple(tuple(tuple(jb(t) for t in text) for text in pool) for pool in pools)
            for lang, pools in self.pools.items()
        }
        self.city_lines_json = {k: tuple(jb(t) for t in v) for k, v in self.city_lines.items()}
        self.responses_json = {
            (lang, good): tuple(jb(t) for t in (b.responses_good if good else b.responses_bad))
            for lang, b in BANKS.items()
            for good in (False, True)
        }

    def response(self, lang: str, tier: int, k: int) -> str:
        bank = BANKS[lang]
        options = bank.responses_good if tier >= 3 else bank.responses_bad
        return options[k % len(options)]

    def update(self, lang: str, up: bool, k: int) -> str:
        bank = BANKS[lang]
        options = bank.updates_up if up else bank.updates_down
        return options[k % len(options)]
