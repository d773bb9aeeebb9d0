"""A hotel's review text as a bounded bag of terms, and TF-IDF cosine between such bags.

Similar hotels compare review texts (similar.py), but a request cannot read every review of a
city's hotels. So the runner keeps per hotel a bag of term counts, added to as reviews arrive
(`merge_terms`) and cut to the `TERMS_KEPT` most frequent terms: enough to say what a hotel's
reviews talk about (a rooftop, the beach, the old town), small enough to read a city's bags
per request. The cut makes the bag approximate: a term that fell below the cut once starts
again from zero if it comes back (docs/intelligence/recommendations.md, "Served").

Terms are lower-cased words of three letters or more, without the common function words of
the four review languages: the aspect analysis handles meaning, this only needs topics.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence

import numpy as np
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

from hotelreviews.intelligence.recommend.records import Matrix

TERMS_KEPT = 200
_WORD = re.compile(r"[^\W\d_]{3,}")
# German, French, Spanish function words that pass the three-letter floor, and the words
# every hotel's reviews share.
_OTHER_STOP_WORDS = frozenset(
    """
    und der die das den dem des ein eine einer eines nicht mit auf für ist war sehr aber auch
    wir uns von wie noch nur zum zur bei sich sind waren hat hatte haben gibt
    les des une est était très mais avec pour dans pas nous sur qui que par sont ont aux
    los las una con para por del muy pero fue era como hay nos sus más todo
    hotel hotels room rooms stay stayed
    """.split()  # noqa: SIM905 - a word list reads better than 80 quoted words
)
STOP_WORDS = frozenset(ENGLISH_STOP_WORDS) | _OTHER_STOP_WORDS


def review_words(*texts: str | None) -> list[str]:
    """The terms of one review's texts (title, text, positives, negatives), each occurrence."""
    # One lower() and one regex pass over the texts joined (a newline is no letter, so no word
    # spans two texts): cheaper than one pass per text, with the same words.
    words = _WORD.findall("\n".join([text for text in texts if text]).lower())
    return [word for word in words if word not in STOP_WORDS]


def review_terms(*texts: str | None) -> Counter[str]:
    """The terms of one review's texts (title, text, positives, negatives), counted."""
    return Counter(review_words(*texts))


def merge_terms(
    bag: Mapping[str, int], more: Iterable[Mapping[str, int]], *, kept: int = TERMS_KEPT
) -> dict[str, int]:
    """`bag` with the counts of `more` added, cut to the `kept` most frequent terms (ties by
    term, so the cut does not depend on arrival order within a batch)."""
    total: Counter[str] = Counter(bag)
    for counts in more:
        total.update(counts)
    top = sorted(total.items(), key=lambda item: (-item[1], item[0]))[:kept]
    return dict(sorted(top))


def bag_similarity(bags: Sequence[Mapping[str, int]], *, min_hotels: int = 2) -> Matrix:
    """Cosine between the bags' TF-IDF vectors (sublinear tf 1 + log n, smooth idf over these
    bags, terms in fewer than `min_hotels` bags dropped), as TfidfVectorizer would compute on
    the full texts; zeros where a bag shares nothing."""
    size = len(bags)
    documents = Counter(term for bag in bags for term in bag)
    vocabulary = {
        term: i for i, term in enumerate(sorted(t for t, n in documents.items() if n >= min_hotels))
    }
    if not vocabulary:
        return np.zeros((size, size))
    idf = np.zeros(len(vocabulary))
    for term, column in vocabulary.items():
        idf[column] = math.log((1 + size) / (1 + documents[term])) + 1.0
    vectors = np.zeros((size, len(vocabulary)))
    for row, bag in enumerate(bags):
        for term, count in bag.items():
            column = vocabulary.get(term)
            if column is not None and count > 0:
                vectors[row, column] = (1.0 + math.log(count)) * idf[column]
    norms = np.linalg.norm(vectors, axis=1)
    unit = np.divide(vectors, norms[:, None], out=np.zeros_like(vectors), where=norms[:, None] > 0)
    return np.asarray(unit @ unit.T, dtype=np.float64)
