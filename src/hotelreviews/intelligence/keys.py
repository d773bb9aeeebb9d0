"""The ten aspect keys: one definition for every part of review intelligence, its tables and
its API. The order is the order of every aspect vector (recommendations, reputation)."""

ASPECTS: tuple[str, ...] = (
    "cleanliness",
    "location",
    "staff",
    "room",
    "value",
    "food",
    "facilities",
    "wifi",
    "noise",
    "checkin",
)
