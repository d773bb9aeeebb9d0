"""The reputation index per hotel (issue 16): provider-normalised, recency-weighted, shrunk
towards the city's mean, with per-aspect scores and a competitive set. Pure Python; the state
is a small dict for storage elsewhere. Formulas and figures: docs/intelligence/reputation.md.
"""

from hotelreviews.intelligence.reputation.aspects import ASPECT_KEYS, aspect_of_grade
from hotelreviews.intelligence.reputation.compset import (
    CompetitiveSet,
    HotelStanding,
    competitive_set,
    star_band,
)
from hotelreviews.intelligence.reputation.index import (
    AspectScore,
    Reputation,
    movement_bound,
    reputation,
)
from hotelreviews.intelligence.reputation.prior import (
    DEFAULT_PRIOR,
    CityPrior,
    estimate_prior_weight,
)
from hotelreviews.intelligence.reputation.scales import (
    KNOWN_SCALES,
    ProviderScale,
    normalise,
    scale_for,
)
from hotelreviews.intelligence.reputation.state import (
    DEFAULT_HALF_LIFE_DAYS,
    HotelReputationState,
    RatedReview,
)

__all__ = [
    "ASPECT_KEYS",
    "DEFAULT_HALF_LIFE_DAYS",
    "DEFAULT_PRIOR",
    "KNOWN_SCALES",
    "AspectScore",
    "CityPrior",
    "CompetitiveSet",
    "HotelReputationState",
    "HotelStanding",
    "ProviderScale",
    "RatedReview",
    "Reputation",
    "aspect_of_grade",
    "competitive_set",
    "estimate_prior_weight",
    "movement_bound",
    "normalise",
    "reputation",
    "scale_for",
    "star_band",
]
