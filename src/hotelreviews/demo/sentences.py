"""Labelled sentence pools and text plans: what a review's text is composed from, per review.

A review's text is a plan (title, which aspects in which order with which polarity, Booking's
liked/disliked labels) and, per planned sentence, one pre-rendered, pre-escaped sentence picked
by 8 random bits from the pool of its (language, aspect, polarity). Plans are few (256 per
language and tier); sentences are many (256 slots per pool, picked independently for each
sentence), so two reviews often share a plan but rarely their words: texts are distinct the
way real reviews are, and a line is still one `bytes.join` of ready pieces. The (aspect,
polarity) of every sentence is known by construction: that is the demo's aspect ground truth.
English pools cross subjects, predicates, openers and tails (sentences_en.py: about two
thousand candidates per pool, 256 drawn); the other languages' pools are their phrase bank's
sentences behind a few openers, far fewer distinct sentences (docs/intelligence/demo-truth.md).
Pools are 256 rather than more because every pick is a random memory access: at 1,024 the
line makers ran measurably slower (cache misses), and 256 already makes texts distinct.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from random import Random

from hotelreviews.demo.phrases import Bank
from hotelreviews.demo.sentences_en import OPENERS, PARTS, TAILS
from hotelreviews.intelligence.keys import ASPECTS

ASPECT_KEYS = ASPECTS
SENTENCE_BITS = 8
MAX_SENTENCES = 5  # 5 x 8 bits: one 40-bit draw
# the phrase banks' aspect names -> the ten keys
BANK_KEYS = {"room": "room", "staff": "staff", "location": "location", "breakfast": "food",
             "clean": "cleanliness", "value": "value", "noise": "noise",
             "facilities": "facilities", "wifi": "wifi"}  # fmt: skip
_CHECKIN_LABELS = ("quick check-in", "slow check-in")
# openers that leave the sentence after them as it is (no inversion, no lowercasing needed)
_OPENERS = {
    "de": ("", "", "", "Kurz gesagt: ", "Ehrlich: ", "Fazit: ", "Zum Thema: ", "Also: "),
    "fr": ("", "", "", "Franchement : ", "Bref : ", "À noter : ", "En résumé : ", "Bon : "),
    "es": ("", "", "", "Sinceramente: ", "En resumen: ", "Ojo: ", "A destacar: ", "Bueno: "),
    "pt": ("", "", "", "Sinceramente: ", "Em resumo: ", "Nota: ", "Resumindo: ", "Bem: "),
    "vi": ("", "", "", "Thật lòng: ", "Tóm lại: ", "Lưu ý: ", "Nói chung: ", "Vâng: "),
    "ja": (
        "",
        "",
        "",
        "正直、",
        "まとめると、",
        "ちなみに、",
        "全体的に、",
        "まず、",
        "今回、",
        "出張でしたが、",
        "家族旅行で、",
        "雨の週末、",
        "二回目の滞在で、",
        "連休中、",
        "長いフライトの後、",
        "新婚旅行で、",
    ),
}
# context tails put before a sentence's final stop (Japanese varies by its openers instead)
_TAILS = {
    "de": ("", "", " bei unserem zweiten Besuch", " während unseres Aufenthalts",
           " an einem verregneten Wochenende", " auf unserer Geschäftsreise",
           " mit zwei kleinen Kindern", " in der Hochsaison", " nach einem langen Flug",
           " über die Feiertage"),
    "fr": ("", "", " lors de notre deuxième visite", " pendant notre séjour",
           " un week-end pluvieux", " lors d'un voyage d'affaires", " avec deux jeunes enfants",
           " en haute saison", " après un long vol", " pendant les fêtes"),
    "es": ("", "", " en nuestra segunda visita", " durante nuestra estancia",
           " en un fin de semana lluvioso", " en un viaje de negocios", " con dos niños pequeños",
           " en temporada alta", " tras un vuelo largo", " en las fiestas"),
    "pt": ("", "", " na nossa segunda visita", " durante a nossa estadia",
           " num fim de semana chuvoso", " numa viagem de negócios", " com duas crianças pequenas",
           " na época alta", " depois de um voo longo", " nas festas"),
    "vi": ("", "", " trong lần thứ hai ghé lại", " trong suốt kỳ nghỉ", " vào một cuối tuần mưa",
           " trong chuyến công tác", " khi đi cùng hai bé", " vào mùa cao điểm",
           " sau chuyến bay dài", " dịp lễ"),
}  # fmt: skip
Label = tuple[str, bool]  # (aspect key, positive)


def _english(aspect: str, positive: bool, rng: Random, size: int) -> list[str]:
    """`size` distinct sentences drawn from the cross of openers, subjects, predicates and
    tails. (A second predicate per sentence was tried: it made texts longer and, sharing
    predicates, more alike: 192 flagged pairs in the bench against 104 without.)"""
    subjects, predicates = (p.split("|") for p in PARTS[aspect][0 if positive else 1])
    openers, tails = OPENERS[0 if positive else 1], TAILS[0 if positive else 1]
    dims = (len(openers), len(subjects), len(predicates), len(tails))
    out: dict[str, None] = {}
    # only the sentences drawn are rendered: thousands per pool would cost start-up time
    for n in rng.sample(range(math.prod(dims)), min(4 * size, math.prod(dims))):
        n, t = divmod(n, dims[3])
        n, p = divmod(n, dims[2])
        o, s = divmod(n, dims[1])
        opener, subject = openers[o], subjects[s]
        head = subject if not opener else subject[0].lower() + subject[1:]
        out[f"{opener}{head} {predicates[p]}{tails[t]}."] = None
        if len(out) == size:
            break
    return list(out)


def _banked(bank: Bank, lang: str, aspect: str, positive: bool, rng: Random) -> list[str]:
    """The bank's sentences behind an opener and with a tail before the final stop, shuffled
    (so the pool's slots cover as many of them as they can)."""
    names = [name for name, key in BANK_KEYS.items() if key == aspect and name in bank.aspects]
    base = [s for name in names for s in bank.aspects[name][0 if positive else 1]]
    out = [
        opener + s[:-1] + tail + s[-1]
        for opener in _OPENERS[lang]
        for s in base
        for tail in _TAILS.get(lang, ("",))
    ]
    rng.shuffle(out)
    return list(dict.fromkeys(out))


def sentence_pool(*, bank: Bank, lang: str, aspect: str, positive: bool, seed: int) -> list[str]:
    """Exactly 2**SENTENCE_BITS sentences about one aspect with one polarity (empty: none)."""
    size = 1 << SENTENCE_BITS
    rng = Random(f"sentences/{seed}/{lang}/{aspect}/{positive}")
    if lang == "en":
        options = _english(aspect, positive, rng, size)
    else:
        options = _banked(bank, lang, aspect, positive, rng)
    if not options:
        return []
    # fewer distinct sentences than slots: every one at least once, the rest repeated
    return [options[k % len(options)] for k in range(size)]


def aspects_of(bank: Bank, lang: str) -> tuple[str, ...]:
    """The aspect keys a language can write about."""
    if lang == "en":
        return ASPECT_KEYS
    return tuple(key for key in ASPECT_KEYS if any(BANK_KEYS.get(n) == key for n in bank.aspects))


def labels_of(bank: Bank, aspect: str) -> tuple[str, str]:
    """Booking.com's short liked/disliked label for an aspect."""
    for name, key in BANK_KEYS.items():
        if key == aspect and name in bank.aspects:
            return bank.aspects[name][2], bank.aspects[name][3]
    return _CHECKIN_LABELS


@dataclass(frozen=True, slots=True)
class Plan:
    """What one text says: title, (aspect, positive) per sentence, Booking's labels."""

    title: str
    labels: tuple[Label, ...]  # empty: a review with a title only
    good: str
    bad: str
