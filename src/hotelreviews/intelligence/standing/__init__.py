"""Stored reputation per hotel (issue 16, item 2 wired in): `hotel_reputation`, written by the
intelligence runner, and GET /api/v1/hotels/{hotel_id}/reputation."""
