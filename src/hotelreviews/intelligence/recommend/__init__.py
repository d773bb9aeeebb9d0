"""Similar hotels and recommendations from aspect profiles and reviewer histories.

Pure numpy / scikit-learn over plain records (no database here: storage and API come later).
What a traveller type cares about is LEARNED from its ratings (ridge regression of ratings on
the hotels' aspect profiles), never written down, so the weights follow the data
(docs/intelligence/recommendations.md).
"""

from hotelreviews.intelligence.recommend.personal import (
    fit_reviewer_weights,
    recommend_for_reviewer,
)
from hotelreviews.intelligence.recommend.records import ASPECTS, HotelProfile, Stay
from hotelreviews.intelligence.recommend.similar import HotelSimilarityIndex, similar_hotels
from hotelreviews.intelligence.recommend.type_model import (
    TypeModel,
    fit_type_model,
    recommend_for_type,
)

__all__ = [
    "ASPECTS",
    "HotelProfile",
    "HotelSimilarityIndex",
    "Stay",
    "TypeModel",
    "fit_reviewer_weights",
    "fit_type_model",
    "recommend_for_reviewer",
    "recommend_for_type",
    "similar_hotels",
]
