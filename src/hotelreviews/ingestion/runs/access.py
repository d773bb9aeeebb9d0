"""Who sees which ingestion: the view of the ingestion routes for one identity.

- `admin`: every ingestion, every rejected line in full.
- `analyst` (data quality across feeds): every ingestion — status, counts, the shown source
  URI (never the raw one: no credentials, no signatures) and the reason and message of each
  rejected line — but not the excerpts of lines (raw input) of ingestions someone else queued.
- `ingest` (a loader): only the ingestions it queued itself; any other is answered as if it
  did not exist (404), so that ids tell nothing.
Ingestions nobody queued through the API (the CLI's runs, files a worker's poll found) belong
to no identity: admins and analysts see them, `ingest` identities do not.
"""

from __future__ import annotations

from dataclasses import dataclass

from hotelreviews.security.identity import Identity
from hotelreviews.security.policies import own_ingestions_only
from hotelreviews.security.roles import ADMIN


@dataclass(frozen=True, slots=True)
class IngestionView:
    caller: str  # Identity.key of the caller: what `created_by` holds for its own
    # None: every ingestion; else only those created by this identity key.
    owner: str | None
    # Whether excerpts of rejected lines of ingestions the caller did not queue are shown.
    others_excerpts: bool

    def shows_excerpts_of(self, created_by: str | None) -> bool:
        return self.others_excerpts or created_by == self.caller


def view_for(identity: Identity) -> IngestionView:
    return IngestionView(
        caller=identity.key,
        owner=own_ingestions_only(identity),
        others_excerpts=ADMIN in identity.roles,
    )


# What the CLI and tests read with: everything.
EVERYTHING = IngestionView(caller="cli", owner=None, others_excerpts=True)
