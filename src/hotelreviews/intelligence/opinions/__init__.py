"""Stored aspect opinions per review (issue 16, item 1 wired in): `review_opinions`, written by
the intelligence runner (intelligence.runner), one row per analysed review."""
