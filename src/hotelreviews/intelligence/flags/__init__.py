"""Review flags: what duplicate detection found a review to be (flagged, never deleted)."""
