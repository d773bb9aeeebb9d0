"""The intelligence runner (issue 16): follows the "reviews" events of the outbox and keeps
each touched hotel's stored opinions, reputation and alerts up to date. Entry point
`catch_up`; design and cost: docs/intelligence/runner.md."""

from hotelreviews.intelligence.runner.catch_up import CatchUpReport, catch_up

__all__ = ["CatchUpReport", "catch_up"]
