"""Planted duplicates: seeded reviews whose right answers are known.

`planted_reviews`, deterministic for a seed, gives ordinary reviews composed from many sentence
fragments (so two ordinary reviews share little text, as real ones do), short texts that are
identical on purpose, and the planted cases: near-copies (lightly edited, other hotel or other
reviewer), cross-posts (one stay on two providers) and bursts of near-identical reviews. The
evaluation (bench/intelligence_anomalies.py) scores the duplicate detection against them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from random import Random
from typing import Any, Literal

from hotelreviews.intelligence.duplicates import ReviewForDedup
from hotelreviews.intelligence.keys import ASPECTS

ReviewRole = Literal["ordinary", "short", "near_copy", "cross_post", "burst"]


@dataclass(frozen=True, slots=True)
class PlantedReview:
    """A review and what it really is; `group` links a planted copy to its original(s)."""

    review: ReviewForDedup
    role: ReviewRole
    group: int | None


_OCCASION = (
    "for a wedding", "for work", "on our honeymoon", "for a city break", "for a conference",
    "with the kids for the holidays", "for a football match", "on a road trip", "for a concert",
    "to visit family", "for a long weekend", "before an early flight",
)  # fmt: skip
_WHEN = (
    "in early spring", "last October", "over the bank holiday", "during the festival",
    "in the middle of winter", "at the height of summer", "just before Christmas", "in late May",
)  # fmt: skip
_COMPANY = (
    "my partner", "two colleagues", "our teenage kids", "my elderly parents", "a group of friends",
    "my sister", "the dog", "our baby daughter",
)  # fmt: skip
_OPENERS = (
    "We stayed {n} nights {when} {occasion}.",
    "Booked this place {occasion} and spent {n} nights here {when}.",
    "Came here with {company} {when}, {occasion}.",
    "I travelled {occasion} with {company} and picked this hotel for its reviews.",
    "Our {n} night stay {when} was {occasion}.",
    "First visit to the city {occasion}, {n} nights with {company}.",
)
_GOOD = ("lovely", "excellent", "really good", "spotless", "great", "superb", "pleasant", "decent")
_BAD = ("poor", "disappointing", "awful", "tired", "below par", "shabby", "mediocre", "frustrating")
_ASPECT_SENTENCES = {
    "cleanliness": (
        (
            "The {place} was {good} and smelled fresh every day.",
            "Housekeeping kept the {place} {good}.",
        ),
        (
            "We found {dirt} in the {place} on arrival.",
            "The {place} was {bad}, with {dirt} left behind.",
        ),
    ),
    "location": (
        (
            "The hotel is a {mins} minute walk from the {sight}.",
            "Location is {good}, close to the {sight}.",
        ),
        (
            "It is a {mins} minute bus ride to the {sight}, which got tiring.",
            "The area near the {sight} felt {bad} at night.",
        ),
    ),
    "staff": (
        (
            "{person} at reception was {good} and helped us with {request}.",
            "The staff were {good}, especially {person}.",
        ),
        (
            "{person} was {bad} when we asked about {request}.",
            "Service from the staff was {bad} and slow.",
        ),
    ),
    "room": (
        (
            "Our room on the {floor} floor had a {good} bed and a big shower.",
            "The room was {good} with a view of the {sight}.",
        ),
        (
            "The room on the {floor} floor was tiny and the mattress {bad}.",
            "Our room felt {bad}, the air conditioning barely worked.",
        ),
    ),
    "value": (
        ("For the price it was {good} value.", "Paid about {price} a night, which felt fair."),
        (
            "At {price} a night it was overpriced.",
            "Value was {bad} once they added the city tax and fees.",
        ),
    ),
    "food": (
        (
            "Breakfast was {good}, with {dish} and fresh fruit.",
            "Dinner in the restaurant was {good}, try the {dish}.",
        ),
        (
            "Breakfast was {bad}, the {dish} was cold.",
            "The restaurant served {bad} {dish} at silly prices.",
        ),
    ),
    "facilities": (
        (
            "The {facility} was {good} and never crowded.",
            "We enjoyed the {facility} every afternoon.",
        ),
        (
            "The {facility} was closed for most of our stay.",
            "The {facility} looked {bad} and needs work.",
        ),
    ),
    "wifi": (
        ("Wi-Fi was fast enough to stream in the room.", "Internet worked {good} for video calls."),
        ("The Wi-Fi kept dropping in the room.", "Internet was {bad}, I had to use my phone data."),
    ),
    "noise": (
        ("The room was quiet despite the {noise} outside.", "We slept well, no noise at all."),
        ("The {noise} kept us awake until two.", "Walls are thin and the {noise} was {bad}."),
    ),
    "checkin": (
        (
            "Check-in took five minutes and they let us in early.",
            "They offered a late check-out at no charge.",
        ),
        (
            "We waited {mins} minutes to check in.",
            "Check-in was {bad}, our key cards did not work.",
        ),
    ),
}
_SLOTS = {
    "place": ("room", "bathroom", "shower", "carpet", "hallway", "lobby", "balcony"),
    "dirt": ("hair", "dust", "stains", "mould", "crumbs", "a used towel", "sticky marks"),
    "mins": ("five", "ten", "fifteen", "twenty", "thirty", "forty"),
    "sight": ("old town", "cathedral", "beach", "main station", "harbour", "market", "museum"),
    "person": ("Maria", "The night porter", "Tom", "The manager", "Ahmed", "A young receptionist"),
    "request": (
        "parking",
        "a taxi",
        "restaurant tips",
        "an extra pillow",
        "our luggage",
        "tickets",
    ),
    "floor": ("second", "third", "fifth", "top", "ground", "seventh"),
    "price": ("90 euros", "150 euros", "120 pounds", "200 dollars", "75 euros"),
    "dish": ("pancakes", "omelettes", "local cheese", "the fish", "pastries", "the curry"),
    "facility": ("pool", "gym", "spa", "rooftop bar", "garden", "sauna", "car park"),
    "noise": ("traffic", "construction work", "music from the bar", "street party", "trams"),
}
_CLOSERS = (
    "Would stay again.", "Not sure we will come back.", "Recommended for {occasion}.",
    "Thanks to the team for a memorable trip.", "Overall an average stay.",
    "Mixed feelings, but the {sight} made up for it.", "Good base for exploring.",
)  # fmt: skip
_SHORT = (
    "Great hotel!", "Nice stay.", "Would come again.", "Perfect, thank you!", "Very good.",
    "Great location, friendly staff.", "Not bad at all.", "Terrible, avoid.", "Clean and quiet.",
    "Loved it!", "OK for one night.", "Excellent value.",
)  # fmt: skip
_FIRST = (
    "Anna", "Ben", "Chloe", "David", "Elena", "Farid", "Grace", "Hiro", "Ines", "Jonas", "Kasia",
    "Liam", "Maya", "Nikos", "Olga", "Pedro", "Rosa", "Sven", "Tariq", "Uma", "Viktor", "Wen",
)  # fmt: skip
_LAST = "ABCDEFGHJKLMNOPRSTVWZ"
_COUNTRIES = ("GB", "DE", "FR", "ES", "IT", "PL", "NL", "US", "JP", "VN", "PT", "SE")
_PROVIDERS = ("booking", "tripadvisor", "expedia", "google")


def _fill(template: str, rng: Random) -> str:
    values = {name: rng.choice(options) for name, options in _SLOTS.items()}
    values.update(good=rng.choice(_GOOD), bad=rng.choice(_BAD), n=str(rng.randint(1, 9)))
    values.update(
        when=rng.choice(_WHEN), occasion=rng.choice(_OCCASION), company=rng.choice(_COMPANY)
    )
    return template.format(**values)


def compose_review(rng: Random) -> list[str]:
    """An ordinary review's sentences: an opener, four to seven aspect opinions, a closer."""
    aspects = rng.sample(ASPECTS, rng.randint(4, 7))
    sentences = [_fill(rng.choice(_OPENERS), rng)]
    for aspect in aspects:
        good, bad = _ASPECT_SENTENCES[aspect]
        sentences.append(_fill(rng.choice(good if rng.random() < 0.65 else bad), rng))
    sentences.append(_fill(rng.choice(_CLOSERS), rng))
    return sentences


def light_edit(sentences: list[str], rng: Random, *, edits: int) -> list[str]:
    """A copier's edits: drop or swap a sentence, change a word, add a line, change case."""
    edited = list(sentences)
    for _ in range(edits):
        move = rng.randrange(4)
        if move == 0 and len(edited) > 5:
            del edited[rng.randrange(1, len(edited))]
        elif move == 1:
            i = rng.randrange(len(edited) - 1)
            edited[i], edited[i + 1] = edited[i + 1], edited[i]
        elif move == 2:
            i = rng.randrange(len(edited))
            words = edited[i].split()
            words[rng.randrange(len(words))] = rng.choice(_GOOD + _BAD)
            edited[i] = " ".join(words)
        else:
            edited.append(rng.choice(("Highly recommended!", "Five stars.", "Thanks again!")))
    return edited


def _reviewer(rng: Random) -> tuple[str, str]:
    return f"{rng.choice(_FIRST)} {rng.choice(_LAST)}.", rng.choice(_COUNTRIES)


def planted_reviews(
    *, seed: int = 16, ordinary: int = 3000, short: int = 400, near_copies: int = 150,
    cross_posts: int = 150, bursts: int = 30, hotels: int = 200, year: int = 2025,
) -> tuple[PlantedReview, ...]:  # fmt: skip
    """Reviews with planted copies, cross-posts and bursts, in review-date order."""
    rng = Random(seed)
    start = date(year, 1, 1)
    planted: list[PlantedReview] = []

    def make(role: ReviewRole, group: int | None, **fields: Any) -> PlantedReview:
        review_id = f"r{len(planted):06d}"
        review = ReviewForDedup(review_id=review_id, **fields)
        planted.append(PlantedReview(review, role, group))
        return planted[-1]

    for _ in range(ordinary):
        name, country = _reviewer(rng)
        day = start + timedelta(days=rng.randrange(300))
        make(
            "ordinary",
            None,
            hotel_id=f"h{rng.randrange(hotels):03d}",
            provider=rng.choice(_PROVIDERS),
            reviewer_name=name,
            reviewer_country=country,
            review_date=day,
            stay_month=f"{day:%Y-%m}",
            rating=round(rng.random(), 2),
            text=" ".join(compose_review(rng)),
        )
    for _ in range(short):
        name, country = _reviewer(rng)
        day = start + timedelta(days=rng.randrange(365))
        make(
            "short",
            None,
            hotel_id=f"h{rng.randrange(hotels):03d}",
            provider=rng.choice(_PROVIDERS),
            reviewer_name=name,
            reviewer_country=country,
            review_date=day,
            stay_month=None,
            rating=0.8,
            text=rng.choice(_SHORT),
        )
    originals = rng.sample(planted[:ordinary], near_copies + cross_posts)
    for group, source in enumerate(originals):
        original = source.review
        planted[int(original.review_id[1:])] = PlantedReview(original, "ordinary", group)
        sentences = original.text.split(". ")
        if group < near_copies:
            name, country = _reviewer(rng)
            same_hotel = rng.random() < 0.3
            make(
                "near_copy",
                group,
                hotel_id=original.hotel_id if same_hotel else f"h{rng.randrange(hotels):03d}",
                provider=rng.choice(_PROVIDERS),
                reviewer_name=name,
                reviewer_country=country,
                review_date=original.review_date + timedelta(days=rng.randint(8, 60)),
                stay_month=None,
                rating=original.rating,
                text=". ".join(light_edit(sentences, rng, edits=rng.randint(1, 3))),
            )
        else:
            first = original.reviewer_name.split()[0]
            make(
                "cross_post",
                group,
                hotel_id=original.hotel_id,
                provider=rng.choice([p for p in _PROVIDERS if p != original.provider]),
                reviewer_name=rng.choice(
                    (first, original.reviewer_name.upper(), original.reviewer_name)
                ),
                reviewer_country=rng.choice((original.reviewer_country, None)),
                review_date=original.review_date + timedelta(days=rng.randint(0, 30)),
                stay_month=original.stay_month,
                rating=original.rating,
                text=". ".join(light_edit(sentences, rng, edits=rng.randint(0, 1))).lower(),
            )
    for number in range(bursts):
        group = near_copies + cross_posts + number
        sentences = compose_review(rng)
        hotel = f"h{rng.randrange(hotels):03d}"
        day = start + timedelta(days=rng.randrange(10, 360))
        rating = rng.choice((0.0, 1.0))
        for _ in range(rng.randint(4, 6)):
            name, country = _reviewer(rng)
            make(
                "burst",
                group,
                hotel_id=hotel,
                provider=rng.choice(_PROVIDERS),
                reviewer_name=name,
                reviewer_country=country,
                review_date=day + timedelta(days=rng.randint(0, 3)),
                stay_month=None,
                rating=rating,
                text=" ".join(light_edit(sentences, rng, edits=rng.randint(1, 2))),
            )
    return tuple(sorted(planted, key=lambda p: (p.review.review_date, p.review.review_id)))
