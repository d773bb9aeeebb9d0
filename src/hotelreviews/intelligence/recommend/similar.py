"""Similar hotels: cosine on standardised aspect profiles, blended with TF-IDF text similarity.

The profile says how good a hotel is at each aspect; standardising each aspect first keeps an
aspect every hotel scores high on (a uniformly high "location" in a central city) from making all
hotels look alike. The review text adds what the ten aspects do not name (a rooftop, a beach,
"old town"), so the two are blended. Same-city candidates by default: a similar hotel in another
city is rarely what someone comparing hotels wants; `same_city=False` lifts that.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer

from hotelreviews.intelligence.recommend.records import (
    HotelProfile,
    Matrix,
    profile_matrix,
    standardised,
)

DEFAULT_TEXT_WEIGHT = 0.5


@dataclass(frozen=True, slots=True)
class HotelSimilarityIndex:
    """Pairwise profile and text similarities over a fixed set of hotels, built once."""

    hotel_ids: tuple[int, ...]
    cities: tuple[str, ...]
    profile_similarity: Matrix  # cosine of standardised profiles, hotels x hotels
    text_similarity: Matrix  # cosine of TF-IDF vectors, hotels x hotels (0 without texts)

    def similar(
        self,
        *,
        hotel_id: int,
        k: int,
        text_weight: float = DEFAULT_TEXT_WEIGHT,
        same_city: bool = True,
    ) -> list[tuple[int, float]]:
        """The k most similar other hotels with their blended score, best first."""
        row = self.hotel_ids.index(hotel_id)
        scores = (1.0 - text_weight) * self.profile_similarity[row]
        scores = scores + text_weight * self.text_similarity[row]
        candidates = [
            i
            for i in range(len(self.hotel_ids))
            if i != row and (not same_city or self.cities[i] == self.cities[row])
        ]
        # Ties broken by hotel id so the answer does not depend on dict order.
        candidates.sort(key=lambda i: (-scores[i], self.hotel_ids[i]))
        return [(self.hotel_ids[i], float(scores[i])) for i in candidates[:k]]


def build_similarity_index(
    *, profiles: Mapping[int, HotelProfile], texts: Mapping[int, str]
) -> HotelSimilarityIndex:
    """The index over every hotel in `profiles`; `texts` holds each hotel's review texts joined."""
    hotel_ids = tuple(sorted(profiles))
    profile_similarity = _cosine(
        standardised(profile_matrix(profiles=profiles, hotel_ids=hotel_ids))
    )
    documents = [texts.get(h, "") for h in hotel_ids]
    if any(doc.strip() for doc in documents):
        # Bigrams keep "not clean" apart from "clean"; sublinear tf stops one chatty hotel's
        # repeated word from dominating its vector.
        vectorizer = TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, min_df=2)
        try:
            tfidf = vectorizer.fit_transform(documents)
            text_similarity = np.asarray((tfidf @ tfidf.T).toarray(), dtype=np.float64)
        except ValueError:  # no term in two documents: nothing to compare on
            text_similarity = np.zeros((len(hotel_ids), len(hotel_ids)))
    else:
        text_similarity = np.zeros((len(hotel_ids), len(hotel_ids)))
    return HotelSimilarityIndex(
        hotel_ids=hotel_ids,
        cities=tuple(profiles[h].city for h in hotel_ids),
        profile_similarity=profile_similarity,
        text_similarity=text_similarity,
    )


def index_with_text_similarity(
    *, profiles: Mapping[int, HotelProfile], text_similarity: Matrix
) -> HotelSimilarityIndex:
    """The index over `profiles` with a text similarity computed elsewhere (rows and columns
    in ascending hotel id order): the served route's, from the stored term bags
    (terms.bag_similarity), since it cannot read every review's text per request."""
    hotel_ids = tuple(sorted(profiles))
    if text_similarity.shape != (len(hotel_ids), len(hotel_ids)):
        raise ValueError("text_similarity must be hotels x hotels, in ascending id order")
    return HotelSimilarityIndex(
        hotel_ids=hotel_ids,
        cities=tuple(profiles[h].city for h in hotel_ids),
        profile_similarity=_cosine(
            standardised(profile_matrix(profiles=profiles, hotel_ids=hotel_ids))
        ),
        text_similarity=text_similarity,
    )


def similar_hotels(
    *,
    hotel_id: int,
    profiles: Mapping[int, HotelProfile],
    texts: Mapping[int, str],
    k: int,
    text_weight: float = DEFAULT_TEXT_WEIGHT,
    same_city: bool = True,
) -> list[tuple[int, float]]:
    """The k hotels most like `hotel_id` (never itself), best first, with their scores."""
    index = build_similarity_index(profiles=profiles, texts=texts)
    return index.similar(hotel_id=hotel_id, k=k, text_weight=text_weight, same_city=same_city)


def _cosine(matrix: Matrix) -> Matrix:
    """Cosine similarity between rows; a zero row (an all-average hotel) is similar to nothing."""
    norms = np.linalg.norm(matrix, axis=1)
    unit = np.divide(matrix, norms[:, None], out=np.zeros_like(matrix), where=norms[:, None] > 0)
    return np.asarray(unit @ unit.T, dtype=np.float64)
