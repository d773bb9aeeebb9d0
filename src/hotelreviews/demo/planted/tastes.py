"""What each traveller type cares about: the planted aspect shares (summing to 1) behind the
ratings of planted reviewers, in the evaluation's world (planted/reviewers.py) and in the demo
data set (demo/plant_reviewers.py). The models are never given these. A module of its own, so
the demo can read them without importing the recommender and scikit-learn (0.8 s)."""

from __future__ import annotations

from collections.abc import Mapping

PLANTED_WEIGHTS: Mapping[str, Mapping[str, float]] = {
    "family": {"room": 0.22, "food": 0.22, "facilities": 0.22, "cleanliness": 0.12,
               "value": 0.10, "staff": 0.04, "noise": 0.04, "location": 0.02,
               "wifi": 0.01, "checkin": 0.01},
    "couple": {"room": 0.20, "location": 0.18, "noise": 0.16, "food": 0.14, "staff": 0.14,
               "cleanliness": 0.10, "value": 0.04, "facilities": 0.02, "wifi": 0.01,
               "checkin": 0.01},
    "business": {"wifi": 0.25, "location": 0.20, "checkin": 0.20, "noise": 0.12, "staff": 0.08,
                 "cleanliness": 0.08, "room": 0.04, "food": 0.01, "value": 0.01,
                 "facilities": 0.01},
    "solo": {"value": 0.30, "location": 0.24, "wifi": 0.14, "staff": 0.12, "cleanliness": 0.10,
             "noise": 0.04, "room": 0.03, "food": 0.01, "facilities": 0.01, "checkin": 0.01},
    "group": {"value": 0.26, "facilities": 0.20, "food": 0.16, "location": 0.14, "staff": 0.10,
              "room": 0.06, "cleanliness": 0.04, "noise": 0.02, "wifi": 0.01, "checkin": 0.01},
}  # fmt: skip
