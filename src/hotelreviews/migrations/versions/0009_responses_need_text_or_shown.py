"""A responder name alone is not a hotel response: re-derive `reviews.has_response`.

Before this revision a nested line's `responderName` alone made a response, and Agoda names
the hotel as responder on every review, answered or not: nearly every stored Agoda review had
`has_response` true with a null text. The rule is now "the provider says the answer is shown,
or its text is non-empty". The shown flag was never stored, so stored rows are judged by their
text: a row without response text gets `has_response` false and its responder and response
date cleared (the API then serves `"response": null`). An answer shown without text is cleared
too; its next delivery restores it (its content hash differs, see ingestion.shapes.hashing).

Content hashes are left as they are on purpose: re-ingesting an old file then reports the
corrected rows unchanged. Downgrade does nothing: the old rule's values cannot be told apart
from real data, and the corrected rows are valid under the old code.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-06
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

_reviews = sa.table(
    "reviews",
    sa.column("has_response", sa.Boolean),
    sa.column("response_responder", sa.String),
    sa.column("response_text", sa.Text),
    sa.column("response_date_text", sa.String),
)


def upgrade() -> None:
    without_text = sa.or_(_reviews.c.response_text.is_(None), _reviews.c.response_text == "")
    op.execute(
        _reviews.update()
        .where(_reviews.c.has_response.is_(True), without_text)
        .values(has_response=False, response_responder=None, response_date_text=None)
    )
    # The other direction never happened (text was stored only with a response); kept for rows
    # written by hand, so the flag agrees with the text everywhere after this revision.
    op.execute(
        _reviews.update()
        .where(_reviews.c.has_response.is_(False), _reviews.c.response_text != "")
        .values(has_response=True)
    )


def downgrade() -> None:
    """Nothing to undo: see the module docstring."""
