"""What guests said per aspect (issue 17): GET /api/v1/hotels/{hotel_id}/aspect-samples, the
strongest recent positive and negative sentences of each aspect, as written in the reviews."""
