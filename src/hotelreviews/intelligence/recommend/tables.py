"""`hotel_tastes`: per hotel, what recommendations learn from, kept by the intelligence runner
as each batch commits — the count and sum of its normalised ratings per traveller type (all
the ridge fit of the type model needs: every stay at a hotel shares the hotel's profile), and a
bounded bag of its reviews' terms (for the text half of "similar hotels")."""

import sqlalchemy as sa

from hotelreviews.core.metadata import metadata
from hotelreviews.core.types import BigId, JSONDocument, UTCDateTime

hotel_tastes = sa.Table(
    "hotel_tastes",
    metadata,
    sa.Column("hotel_id", BigId, sa.ForeignKey("hotels.id"), primary_key=True),
    # {traveller type ("unknown" when the review names none): [reviews, sum of ratings /10]}
    sa.Column("ratings", JSONDocument, nullable=False),
    # {term: count}: the hotel's most frequent review terms, at most TERMS_KEPT of them
    sa.Column("terms", JSONDocument, nullable=False),
    sa.Column("reviews", sa.Integer, nullable=False),
    sa.Column("updated_at", UTCDateTime, nullable=False),
)
