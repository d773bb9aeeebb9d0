"""What the load asks for: a seeded mix of the API's real requests over all hotels.

Shares (issue 15): hotel pages and a hotel's filtered review pages 70 %, searches drawn from
the demo data's vocabulary 20 %, hotel lists 9 %, ingestion POSTs 1 %. Hotels are picked
with Zipf popularity (weight 1/rank^s over every hotel the target has, in a seeded random
order), as a few hotels draw most of a review site's traffic.
"""

from __future__ import annotations

import bisect
import itertools
import random
import re
import urllib.parse
from collections.abc import Sequence
from dataclasses import dataclass, field

# kind -> share of all requests
SHARES = {
    "hotel": 0.25,  # GET /hotels/{id}
    "trend": 0.05,  # GET /hotels/{id}/trend
    "reviews": 0.40,  # GET /hotels/{id}/reviews with filters
    "search": 0.20,  # GET /reviews/search
    "list": 0.09,  # GET /hotels with filters
    "ingest": 0.01,  # POST /ingestions
}
ZIPF_EXPONENT = 1.1
API = "/api/v1"
REVIEW_SORTS = (("newest", 50), ("highest", 20), ("lowest", 20), ("oldest", 10))
HOTEL_SORTS = (("rating", 50), ("reviews", 35), ("name", 15))
TRAVELLER_TYPES = ("couple", "solo", "family", "group", "business")
LANGUAGES = (("en", 60), ("de", 10), ("fr", 8), ("es", 8), ("pt", 5), ("vi", 5), ("ja", 4))
PAGE_SIZES = ((10, 40), (20, 45), (50, 15))
# Words a search would not be made of (shorter ones are not taken at all).
_STOP_WORDS = frozenset((
    "were", "with", "that", "this", "very", "from", "they", "there", "have", "been", "when",
    "what", "which", "would", "could", "their", "them", "than", "then", "just", "also",
    "into", "only", "over", "really", "some", "every",
))  # fmt: skip
_WORD = re.compile(r"[^\W\d_]{4,}", re.UNICODE)


@dataclass(frozen=True)
class Hotel:
    id: int
    external_id: str | None = None
    city: str | None = None
    country: str | None = None
    name: str | None = None


@dataclass(frozen=True)
class Request:
    kind: str
    method: str
    path: str  # with its query string
    hotel: Hotel | None = None  # the hotel an ingestion's reviews are for


@dataclass(frozen=True)
class Vocabulary:
    """Search terms by language: single words and the short labels (phrases) of the texts."""

    words: dict[str, tuple[str, ...]]
    phrases: dict[str, tuple[str, ...]]


def demo_vocabulary() -> Vocabulary:
    """The words and phrases the demo data set's reviews are written with (every language's
    phrase bank: hotelreviews.demo), so that searches find what is there, as real ones do."""
    from hotelreviews.demo.texts import BANKS

    words, phrases = {}, {}
    for language, bank in BANKS.items():
        sentences = [
            sentence
            for praise, complaints, *_ in bank.aspects.values()
            for sentence in (*praise, *complaints)
        ]
        found = {
            word.lower()
            for sentence in sentences
            for word in _WORD.findall(sentence)
            if word.lower() not in _STOP_WORDS and len(word) <= 20  # no unspaced runs
        }
        words[language] = tuple(sorted(found))
        phrases[language] = tuple(
            sorted({label for *_, good, bad in bank.aspects.values() for label in (good, bad)})
        )
    return Vocabulary(words, phrases)


class Zipf:
    """Draws items with probability proportional to 1 / rank^s, ranks in a seeded order."""

    def __init__(self, items: Sequence, exponent: float, rng: random.Random) -> None:
        if not items:
            raise ValueError("nothing to draw from")
        self.items = list(items)
        rng.shuffle(self.items)  # popularity unrelated to ids or names
        self._cumulative = list(
            itertools.accumulate(1 / rank**exponent for rank in range(1, len(self.items) + 1))
        )
        self._rng = rng

    def draw(self):  # noqa: ANN201 - whatever the items are
        point = self._rng.random() * self._cumulative[-1]
        return self.items[min(bisect.bisect_right(self._cumulative, point), len(self.items) - 1)]


def _weighted(rng: random.Random, pairs: Sequence[tuple[object, int]]):  # noqa: ANN202
    return rng.choices([value for value, _ in pairs], weights=[w for _, w in pairs])[0]


@dataclass
class Mix:
    """A seeded stream of requests: the same seed gives the same requests."""

    hotels: Sequence[Hotel]
    provider_ids: Sequence[int]
    vocabulary: Vocabulary
    seed: int = 1
    shares: dict[str, float] = field(default_factory=lambda: dict(SHARES))
    exponent: float = ZIPF_EXPONENT
    # Which hotels are popular: the same in every generator process and region (default: seed).
    popularity_seed: int | None = None

    def __post_init__(self) -> None:
        self._rng = random.Random(self.seed)
        ranking = random.Random(f"{self.popularity_seed or self.seed}-hotels")
        self._popular = Zipf(self.hotels, self.exponent, ranking)
        self._kinds = list(self.shares)
        self._cumulative = list(itertools.accumulate(self.shares.values()))
        self._cities = sorted({hotel.city for hotel in self.hotels if hotel.city})
        self._countries = sorted({hotel.country for hotel in self.hotels if hotel.country})
        self._name_words = sorted(
            {w for hotel in self.hotels if hotel.name for w in _WORD.findall(hotel.name)}
        )

    def next(self) -> Request:
        point = self._rng.random() * self._cumulative[-1]
        kind = self._kinds[bisect.bisect_right(self._cumulative, point)]
        hotel = self._popular.draw()
        if kind == "hotel":
            return Request(kind, "GET", f"{API}/hotels/{hotel.id}")
        if kind == "trend":
            query = {"bucket": "week"} if self._rng.random() < 0.2 else {}
            return Request(kind, "GET", _url(f"{API}/hotels/{hotel.id}/trend", query))
        if kind == "reviews":
            return Request(
                kind, "GET", _url(f"{API}/hotels/{hotel.id}/reviews", self._review_filters())
            )
        if kind == "search":
            query = {"q": self._search_terms(), "limit": _weighted(self._rng, PAGE_SIZES)}
            if self._rng.random() < 0.25:
                query["hotel_id"] = hotel.id
            return Request(kind, "GET", _url(f"{API}/reviews/search", query))
        if kind == "list":
            return Request(kind, "GET", _url(f"{API}/hotels", self._list_filters()))
        return Request(kind, "POST", f"{API}/ingestions", hotel=hotel)

    def _review_filters(self) -> dict[str, object]:
        chance, query = self._rng.random, {}
        query["sort"] = _weighted(self._rng, REVIEW_SORTS)
        query["limit"] = _weighted(self._rng, PAGE_SIZES)
        if chance() < 0.2:
            query["min_rating"] = self._rng.choice((6, 7, 8, 9))
        if chance() < 0.1:
            query["max_rating"] = self._rng.choice((4, 5, 6))
        if chance() < 0.15 and self.provider_ids:
            query["provider_id"] = self._rng.choice(self.provider_ids)
        if chance() < 0.1:
            query["language"] = _weighted(self._rng, LANGUAGES)
        if chance() < 0.15:
            query["traveller_type"] = self._rng.choice(TRAVELLER_TYPES)
        if chance() < 0.05:
            query["has_response"] = "true"
        return query

    def _list_filters(self) -> dict[str, object]:
        chance, query = self._rng.random, {}
        query["sort"] = _weighted(self._rng, HOTEL_SORTS)
        query["limit"] = _weighted(self._rng, ((20, 70), (50, 30)))
        if chance() < 0.4 and self._cities:
            query["city"] = self._rng.choice(self._cities)
        elif chance() < 0.2 and self._countries:
            query["country"] = self._rng.choice(self._countries)
        if chance() < 0.2:
            query["min_rating"] = self._rng.choice((7, 8, 9))
        if chance() < 0.1:
            query["min_reviews"] = self._rng.choice((10, 50, 100))
        if chance() < 0.1 and self._name_words:
            query["q"] = self._rng.choice(self._name_words)
        return query

    def _search_terms(self) -> str:
        language = _weighted(self._rng, LANGUAGES)
        words = self.vocabulary.words.get(language) or self.vocabulary.words["en"]
        phrases = self.vocabulary.phrases.get(language) or self.vocabulary.phrases["en"]
        pick, form = self._rng.choice, self._rng.random()
        if form < 0.45:
            return pick(words)
        if form < 0.7:
            return f"{pick(words)} {pick(words)}"
        if form < 0.85:
            return f'"{pick(phrases)}"'
        if form < 0.93:
            return f"{pick(words)} -{pick(words)}"
        return f"{pick(words)} OR {pick(words)}"


def _url(path: str, query: dict[str, object]) -> str:
    return f"{path}?{urllib.parse.urlencode(query)}" if query else path
